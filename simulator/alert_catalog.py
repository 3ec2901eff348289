"""Static tables the seeded security alerts are drawn from: packages per ecosystem, advisory
kinds, secret types, code scanning rules, the people who dismiss and resolve alerts.

Names follow GitHub's spelling (ecosystems as Dependabot writes them, secret types as secret
scanning's `secret_type`, CodeQL query ids); the values are made up.
"""

from __future__ import annotations

ALERT_KINDS = ("dependabot", "secret_scanning", "code_scanning")

# Dependabot: ecosystem -> (manifest paths, package names)
ECOSYSTEMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "npm": (("package-lock.json", "web/package-lock.json", "yarn.lock"),
            ("lodash", "minimist", "axios", "express", "ws", "semver", "json5", "node-fetch", "tar")),
    "pip": (("requirements.txt", "poetry.lock", "requirements/dev.txt"),
            ("requests", "urllib3", "django", "flask", "jinja2", "pyyaml", "cryptography", "pillow")),
    "maven": (("pom.xml", "service/pom.xml"),
              ("org.apache.logging.log4j:log4j-core", "com.fasterxml.jackson.core:jackson-databind",
               "org.springframework:spring-web", "org.yaml:snakeyaml")),
    "go": (("go.mod",), ("golang.org/x/net", "golang.org/x/crypto", "github.com/gin-gonic/gin",
                         "google.golang.org/grpc")),
    "rubygems": (("Gemfile.lock",), ("rails", "nokogiri", "rack", "puma")),
    "rust": (("Cargo.lock",), ("tokio", "openssl", "hyper", "time")),
    "nuget": (("packages.lock.json", "src/App/App.csproj"), ("Newtonsoft.Json", "System.Text.Json",
                                                             "Microsoft.Data.SqlClient")),
    "composer": (("composer.lock",), ("laravel/framework", "guzzlehttp/guzzle", "symfony/http-kernel")),
}
LANGUAGE_ECOSYSTEMS = {
    "Python": "pip", "Jupyter Notebook": "pip", "JavaScript": "npm", "TypeScript": "npm", "Go": "go",
    "Java": "maven", "Kotlin": "maven", "Scala": "maven", "Ruby": "rubygems", "Rust": "rust",
    "C#": "nuget", "PHP": "composer",
}
FALLBACK_ECOSYSTEMS = ("npm", "pip")  # build tooling of repositories in other languages

# (summary template, CWE id, CWE name)
WEAKNESSES = (
    ("Prototype Pollution in {package}", "CWE-1321",
     "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')"),
    ("Regular Expression Denial of Service in {package}", "CWE-1333", "Inefficient Regular Expression Complexity"),
    ("{package} vulnerable to Path Traversal", "CWE-22",
     "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"),
    ("Server-Side Request Forgery in {package}", "CWE-918", "Server-Side Request Forgery (SSRF)"),
    ("Improper Input Validation in {package}", "CWE-20", "Improper Input Validation"),
    ("{package} allows Cross-site Scripting", "CWE-79",
     "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"),
    ("Uncontrolled Resource Consumption in {package}", "CWE-400", "Uncontrolled Resource Consumption"),
    ("Remote Code Execution in {package}", "CWE-94", "Improper Control of Generation of Code ('Code Injection')"),
)
SEVERITIES = (("low", 15), ("medium", 40), ("high", 33), ("critical", 12))
CVSS_RANGES = {"low": (2.0, 3.9), "medium": (4.0, 6.9), "high": (7.0, 8.9), "critical": (9.0, 10.0)}
CVSS_VECTORS = {
    "low": "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N",
    "medium": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N",
    "high": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "critical": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
}
DEPENDABOT_DISMISSED_REASONS = ("fix_started", "inaccurate", "no_bandwidth", "not_used", "tolerable_risk")
GHSA_ALPHABET = "23456789cfghjmpqrvwx"

# Secret scanning: (secret_type, display name, provider, provider slug, value prefix, body length)
SECRET_TYPES = (
    ("github_personal_access_token", "GitHub Personal Access Token", "GitHub", "github", "ghp_", 36),
    ("aws_access_key_id", "AWS Access Key ID", "Amazon AWS", "aws", "AKIA", 16),
    ("slack_api_token", "Slack API Token", "Slack", "slack", "xoxb-", 40),
    ("stripe_api_key", "Stripe API Key", "Stripe", "stripe", "sk_live_", 32),
    ("google_api_key", "Google API Key", "Google Cloud", "google_cloud", "AIza", 35),
    ("npm_access_token", "npm Access Token", "npm", "npm", "npm_", 36),
    ("azure_storage_account_key", "Azure Storage Account Access Key", "Azure", "azure", "", 44),
)
SECRET_MARKER = "SIMLEAK"  # every fake secret carries it, so a scan of any output finds them
SECRET_PATHS = (".env", "config/settings.py", "deploy/values.yaml", "scripts/release.sh", "src/config.ts",
                "docs/setup.md", "terraform/main.tf")
SECRET_RESOLUTIONS = ("false_positive", "wont_fix", "revoked", "used_in_tests")

# Code scanning: repository language -> CodeQL language
CODEQL_LANGUAGES = {
    "Python": "python", "Jupyter Notebook": "python", "JavaScript": "javascript", "TypeScript": "javascript",
    "Go": "go", "Java": "java", "Kotlin": "java", "Ruby": "ruby", "C#": "csharp", "C++": "cpp", "C": "cpp",
    "Swift": "swift",
}
# CodeQL language -> (file extension, rules); rule = (id, name, severity, security severity or None,
# description, tags)
CODE_RULES: dict[str, tuple[str, tuple[tuple[str, str, str, str | None, str, tuple[str, ...]], ...]]] = {
    "python": (".py", (
        ("py/sql-injection", "py/sql-injection", "error", "high",
         "SQL query built from user-controlled sources", ("security", "external/cwe/cwe-089")),
        ("py/path-injection", "py/path-injection", "error", "high",
         "Uncontrolled data used in path expression", ("security", "external/cwe/cwe-022")),
        ("py/clear-text-logging-sensitive-data", "py/clear-text-logging-sensitive-data", "error", "high",
         "Clear-text logging of sensitive information", ("security", "external/cwe/cwe-312")),
        ("py/unused-import", "py/unused-import", "note", None, "Unused import", ("maintainability", "useless-code")),
    )),
    "javascript": (".ts", (
        ("js/xss", "js/xss", "error", "medium", "Client-side cross-site scripting",
         ("security", "external/cwe/cwe-079")),
        ("js/prototype-pollution-utility", "js/prototype-pollution-utility", "warning", "medium",
         "Prototype-polluting function", ("security", "external/cwe/cwe-915")),
        ("js/request-forgery", "js/request-forgery", "error", "critical", "Server-side request forgery",
         ("security", "external/cwe/cwe-918")),
        ("js/unused-local-variable", "js/unused-local-variable", "note", None, "Unused variable",
         ("maintainability",)),
    )),
    "go": (".go", (
        ("go/path-injection", "go/path-injection", "error", "high", "Uncontrolled data used in path expression",
         ("security", "external/cwe/cwe-022")),
        ("go/incorrect-integer-conversion", "go/incorrect-integer-conversion", "warning", "high",
         "Incorrect conversion between integer types", ("security", "external/cwe/cwe-190")),
    )),
    "java": (".java", (
        ("java/ssrf", "java/ssrf", "error", "high", "Server-side request forgery",
         ("security", "external/cwe/cwe-918")),
        ("java/log-injection", "java/log-injection", "error", "medium", "Log Injection",
         ("security", "external/cwe/cwe-117")),
    )),
    "ruby": (".rb", (
        ("rb/code-injection", "rb/code-injection", "error", "critical", "Code injection",
         ("security", "external/cwe/cwe-094")),
        ("rb/reflected-xss", "rb/reflected-xss", "error", "medium", "Reflected server-side cross-site scripting",
         ("security", "external/cwe/cwe-079")),
    )),
    "csharp": (".cs", (
        ("cs/sql-injection", "cs/sql-injection", "error", "high", "SQL query built from user-controlled sources",
         ("security", "external/cwe/cwe-089")),
        ("cs/web/missing-x-frame-options", "cs/web/missing-x-frame-options", "error", "medium",
         "Missing X-Frame-Options HTTP header", ("security", "external/cwe/cwe-451")),
    )),
    "cpp": (".cpp", (
        ("cpp/overflow-buffer", "cpp/overflow-buffer", "warning", "high",
         "Call to memory access function may overflow buffer", ("security", "external/cwe/cwe-119")),
        ("cpp/uncontrolled-format-string", "cpp/uncontrolled-format-string", "warning", "high",
         "Uncontrolled format string", ("security", "external/cwe/cwe-134")),
    )),
    "swift": (".swift", (
        ("swift/hardcoded-key", "swift/hardcoded-key", "error", "high", "Hard-coded encryption key",
         ("security", "external/cwe/cwe-321")),
    )),
}
CODEQL_TOOL = ("CodeQL", None, "2.17.3")  # (name, guid, version)
CODE_DISMISSED_REASONS = ("false positive", "won't fix", "used in tests")
CODE_DIRECTORIES = ("src", "app", "lib", "internal", "tests", "scripts")

# Who dismisses and resolves alerts: (login, user id)
SECURITY_PEOPLE = (("octocat", 583231), ("monalisa", 2154), ("hubot", 480938), ("sim-user", 1),
                   ("security-lead", 77001), ("defunkt", 2))
