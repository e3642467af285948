"""What a credential looks like, so that none is written into an artifact as literal text.

The shapes are those compose-lint's CL-0020 and CL-0021 flag, so a manifest bottlec accepts
lints clean, plus the value formats of common tokens (for `bottlec audit`).
"""

from __future__ import annotations

import re

CREDENTIAL_KEY = re.compile(
    r"PASSWORD|PASSPHRASE|TOKEN|SECRET|API_?KEY|PRIVATE_KEY|ACCESS_KEY|ENCRYPTION_KEY|CREDENTIAL"
    r"|(_PASS|_PWD|PASSWD|_SALT|_DSN)$"
)
FLAG_KEY = re.compile(r"ALLOW_EMPTY_|RANDOM_|_FILE$")
FLAG_VALUES = frozenset({"", "yes", "no", "true", "false", "0", "1", "on", "off"})
# A knob about a credential (a lifetime, a size, a count) holding a bare quantity.
QUANTITY_KEY = re.compile(
    r"TTL|TIMEOUT|EXPIR|VALIDITY|LIFETIME|MAX_?AGE|ROTATION|INTERVAL|RETENTION|DURATION"
    r"|_SECONDS|_SECS|_MINUTES|_MINS|_HOURS|_DAYS|_MS|MIN_?LENGTH|MAX_?LENGTH|MIN_?CHAR|_LIMIT"
    r"|_SIZE|REQUIREMENTS|POLICY|_BONUS|TOKENS|ROUNDS|ITERATIONS|_HISTORY|_ATTEMPTS|_RETRIES"
    r"|_LENGTH|_STRENGTH|_PORT$|_COST$"
)
QUANTITY_VALUE = re.compile(r"\d+(\.\d+)?(ms|s|m|h|d)?", re.IGNORECASE)
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s@:]*:[^/\s@]+@")


#: Values that are a credential whatever their name: cloud keys and API tokens.
SECRET_VALUE = re.compile(
    r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"  # GitHub
    r"|sk-ant-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{32,}"  # Anthropic, OpenAI
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


def credential_argument(arg: str, following: str) -> bool:
    """`--password=x`, `--password x` or `PGPASSWORD=x` in a command line (CL-0020's argv
    shapes); a path or a `$VAR` reference is the fix, not a finding."""
    flag = re.fullmatch(r"-{1,2}([A-Za-z][A-Za-z0-9_.-]*)(?:=(.*))?", arg, re.DOTALL)
    if flag:
        name, value = flag.group(1), flag.group(2)
        if value is None:
            value = "" if following.startswith("-") else following
    else:
        name, _, value = arg.partition("=")
        if not value or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return False
    name = name.upper().replace("-", "_").replace(".", "_")
    if value.startswith(("/", "./", "../", "~/", "$")):
        return False
    return credential_shaped(name, value) or (
        bool(value) and name.strip("_") in ("REQUIREPASS", "MASTERAUTH")
    )


def credential_shaped(name: str, value: str) -> bool:
    """A variable whose name says credential and whose value is not a flag or a quantity, or
    any value with a password inside a URL."""
    if URL_PASSWORD.search(value):
        return True
    key, text = name.upper(), value.strip()
    if not CREDENTIAL_KEY.search(key) or FLAG_KEY.search(key) or text.lower() in FLAG_VALUES:
        return False
    return not (QUANTITY_KEY.search(key) and QUANTITY_VALUE.fullmatch(text))
