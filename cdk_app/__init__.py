"""The ghstats CDK app: one stack that deploys the collection workflow."""
