//! Command-line arguments (clap). Everything here converts into library types; the library
//! never sees clap.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use wsreport::policy::{Policy, PolicyName, Unimplemented};
use wsreport::render::{Format, Style};

/// Read, explain, compare and reproduce Autobahn|Testsuite reports.
///
/// Point wsreport at the `reports/` folder the testsuite wrote (or any report directory,
/// `index.json` or case file inside it).
///
/// Exit status: 0 success; 1 the gate failed; 2 usage error or unreadable input (each problem
/// is printed on stderr as one line naming the file, and every other file is still read).
#[derive(Debug, Parser)]
#[command(name = "wsreport", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Refuse report files (index, case files, pages) larger than this, in octets (default
    /// 64 MiB; the real reports' largest file is 0.5 MiB).
    #[arg(
        long,
        global = true,
        env = "WSREPORT_MAX_FILE_SIZE",
        value_name = "OCTETS"
    )]
    pub max_file_size: Option<u64>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count verdicts per agent and per category, from the index alone.
    ///
    /// PATH may be a report directory (reports/servers, reports/clients), a folder holding
    /// several, an index.json, or one case file. Several agents are shown side by side.
    ///
    /// Examples:
    ///   wsreport summarize reports/
    ///   wsreport summarize reports/servers --format json | jq '.reports[0].agents[0].behavior'
    ///   wsreport summarize reports/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    #[command(verbatim_doc_comment)]
    Summarize {
        /// Report directories, index.json files or case files.
        #[arg(default_value = "reports/")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        output: Output,
    },
    /// Write a report (JSON, HTML pages or copied page text) as the testsuite's JSON.
    ///
    /// Writes index.json and one case file per agent and case into DIR, named as the
    /// testsuite names them; with --html also index.html and a page per case. Never writes
    /// outside DIR; refuses DIR if it is the input.
    ///
    /// Examples:
    ///   wsreport export published-html/ --out reports-json/
    ///   wsreport export reports/clients --out site/ --html
    #[command(verbatim_doc_comment)]
    Export {
        /// A report directory, index file or case file (JSON, HTML or page text).
        path: PathBuf,
        /// The directory to write into (created when missing).
        #[arg(long)]
        out: PathBuf,
        /// Also write the testsuite's HTML: index.html and a page per case.
        #[arg(long)]
        html: bool,
    },
    /// Say why a case got its verdict: events diff, closing, wire log, sibling hints.
    ///
    /// CASE is a case id (looked up under PATH) or a case file. With several agents, each
    /// non-passing one is explained (or the one named). --all explains every non-passing case
    /// under PATH (then the first positional argument is PATH), grouped by the fault the
    /// report-wide diagnosis attributes them to. A case id with no PATH and no reports/
    /// directory is described from the catalog (as `wsreport case`).
    ///
    /// Examples:
    ///   wsreport explain 2.11 reports/clients
    ///   wsreport explain reports/clients/stratus_2_case_2_11.json --format json
    ///   wsreport explain --all reports/servers --format markdown
    #[command(verbatim_doc_comment)]
    Explain {
        /// A case id such as 2.11, or a case file.
        #[arg(required_unless_present = "all")]
        case: Option<String>,
        /// Report directory, index.json, or a folder holding reports.
        path: Option<PathBuf>,
        /// Explain only this agent.
        #[arg(long)]
        agent: Option<String>,
        /// Explain every non-passing case, grouped by cause.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Describe a case from the catalog: what it sends, what it expects and why, the faults
    /// that make it fail, its disputes. No report needed.
    ///
    /// Examples:
    ///   wsreport case 2.11
    ///   wsreport case 9.1.6 --format json
    #[command(verbatim_doc_comment)]
    Case {
        /// A case id such as 2.11.
        case: String,
        #[command(flatten)]
        output: Output,
    },
    /// Run the reference echo server: the known-good peer to replay cases against.
    ///
    /// Echoes text and binary messages, answers pings, closes properly, fails the connection
    /// with 1002/1007/1009 on protocol, UTF-8 and size errors, and accepts permessage-deflate
    /// offers (RFC 7692). Binds to loopback unless told otherwise. Runs until interrupted.
    ///
    /// Examples:
    ///   wsreport serve
    ///   wsreport serve --listen 127.0.0.1:0 --max-message-size 16777216
    #[command(verbatim_doc_comment)]
    Serve {
        /// Address to listen on (port 0 picks a free port; the address is printed on stderr).
        #[arg(long, default_value = "127.0.0.1:9001")]
        listen: std::net::SocketAddr,
        /// Largest message accepted, in octets (0: no limit).
        #[arg(long, default_value_t = wsreport::wire::DEFAULT_MAX_MESSAGE_SIZE)]
        max_message_size: usize,
        /// Decline permessage-deflate offers (the 12.x and 13.x cases become UNIMPLEMENTED).
        #[arg(long)]
        no_deflate: bool,
        /// zlib level of the echoes sent compressed: 0 (the default) sends stored blocks,
        /// valid permessage-deflate at the cost of a copy; 1-9 compress for real (the
        /// testsuite's own server uses 6).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=9))]
        deflate_level: u32,
        #[command(flatten)]
        tls: ServerTlsArgs,
    },
    /// Replay cases against a WebSocket server, natively, as the testsuite's fuzzing client.
    ///
    /// CASE is an id (2.11) or a glob (2.*, *). Prints each verdict and, for each case that
    /// does not pass, why. Exit status: 0 every case passes (behaviour OK, NON-STRICT or
    /// INFORMATIONAL; close OK or INFORMATIONAL), 1 some case does not, 2 usage or connection
    /// errors.
    ///
    /// Examples:
    ///   wsreport replay 2.11 --target ws://127.0.0.1:9001
    ///   wsreport replay '*' --jobs 4 --out reports/replayed
    ///   wsreport replay 2.11 --report reports/servers --agent MyServer
    ///   wsreport replay 2.11 --listen 127.0.0.1:9001 --repeat 5   (test a client)
    ///   wsreport replay --from reports/servers/myserver_case_2_11.json --target ws://127.0.0.1:9001
    #[command(verbatim_doc_comment)]
    Replay(ReplayArgs),
    /// Write a standalone Python 3 script that reproduces one case, to attach to a bug report.
    ///
    /// CASE is a case file of a report (JSON, HTML page or copied page text): the script sends
    /// what that run sent (the same masks, chops and delays; payloads the report cut come from
    /// the catalog), or a case id (2.11) for the catalog's case. The script needs nothing but
    /// python3: `python3 FILE ws://HOST:PORT/path` tests a server, `python3 FILE --listen PORT`
    /// a client; it prints every frame and exits 0 when the peer behaves, 1 when the case
    /// fails. Not for 9.x, 12.x, 13.x (use `replay --from`).
    ///
    /// Examples:
    ///   wsreport repro reports/servers/myserver_case_2_11.json --out case-2.11.py
    ///   wsreport repro 7.5.1 --out case-7.5.1.py
    #[command(verbatim_doc_comment)]
    Repro {
        /// A case file, or a case id.
        #[arg(value_name = "CASE_FILE|CASE")]
        case: String,
        /// Where to write the script (`-`: stdout).
        #[arg(long, value_name = "FILE.py")]
        out: PathBuf,
    },
    /// Be the testsuite's fuzzing server: test a WebSocket client with its own harness.
    ///
    /// A drop-in for `wstest -m fuzzingserver`: the client's harness asks /getCaseCount,
    /// connects to /runCase?case=N&agent=NAME for each case (N is 1-based in the selected list,
    /// in the testsuite's order; /runCase?casetuple=2.11&agent=NAME also works), then
    /// /updateReports?agent=NAME, which writes index.json, index.html and a .json and .html
    /// per case and agent into --out. /getCaseInfo, /getCaseStatus and /stopServer work too.
    /// Our frames go out unmasked, the client's must be masked; verdicts come from the same
    /// judge as `replay`. Every case is served; in 12.x and 13.x the client's permessage-deflate
    /// offers are answered as the testsuite's server answers them (no acceptable offer: the
    /// case is UNIMPLEMENTED).
    ///
    /// The first line on stdout is the URL listened on (with the real port when --listen
    /// asks for port 0); one line per case run goes to stderr. Runs until /stopServer or
    /// Ctrl-C, then writes the reports once more. Binds to loopback unless told otherwise.
    ///
    /// Examples:
    ///   wsreport fuzzingserver --cases '1.*' --cases '2.*' --out reports/clients
    ///   wsreport fuzzingserver -s fuzzingserver.json
    ///   wsreport fuzzingserver --listen 127.0.0.1:0 --cases '2.*' > server.url &
    ///   my-harness "$(head -n1 server.url)" --agent mylib   # then open reports/clients/index.html
    #[command(verbatim_doc_comment)]
    Fuzzingserver(FuzzingServerArgs),
    /// The testsuite's test data files (12.x, 13.x), without Python.
    ///
    /// `fetch` takes the five files from the testsuite's own package on PyPI
    /// (autobahntestsuite, its source distribution), checks each by size and SHA-256 and keeps
    /// them in the cache directory ($XDG_CACHE_HOME/wsreport/testdata, else
    /// ~/.cache/wsreport/testdata), where run, replay and fuzzingserver find them when
    /// --testdata is not given.
    ///
    /// Examples:
    ///   wsreport testdata fetch
    ///   wsreport testdata fetch --dir ./testdata   (then --testdata ./testdata, offline)
    #[command(verbatim_doc_comment)]
    Testdata {
        #[command(subcommand)]
        action: TestdataAction,
    },
    /// Run the testsuite's fuzzing client natively: every selected case against each server,
    /// the testsuite's reports written, summarized and gated.
    ///
    /// Reads a fuzzingclient.json (-s) or takes --target. Flags override the spec: --target
    /// replaces its servers (agent from --agent), --agent alone runs only that spec server,
    /// --cases replaces `cases`, --exclude adds to `exclude-cases`, --out replaces `outdir`
    /// (default reports/servers). Writes index.json, index.html and a JSON and HTML file per
    /// agent and case. A progress bar
    /// (on a terminal) names the running cases and estimates the time left; at the end the
    /// `summarize` table and the policy's verdict.
    ///
    /// Exit status: 0 every case passes the policy; 1 some case fails it; 2 bad spec or
    /// arguments, unreachable server, cases that could not run, unwritable output.
    ///
    /// Examples:
    ///   wsreport run --target ws://127.0.0.1:9001 --jobs 4
    ///   wsreport run -s fuzzingclient.json --policy rfc --unimplemented skip-compression
    ///   wsreport run --target ws://127.0.0.1:9001 --cases '1.*' '2.*' --exclude 2.11
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    /// Gate CI on a report: exit 1 naming each case that fails the policy or got worse.
    ///
    /// Every case of every agent is judged on both `behavior` and `behaviorClose`. With
    /// --baseline, only regressions, changed failures, new failing cases and cases missing from
    /// the run fail the gate; improvements are reported. Several PATHs (batches of one long
    /// run) are merged per agent; a case found twice with different verdicts is reported and
    /// the later path wins.
    ///
    /// Exit status: 0 the gate passed; 1 it failed; 2 unreadable report, baseline or allow-list.
    ///
    /// Examples:
    ///   wsreport check reports/servers --policy rfc --unimplemented skip-compression
    ///   wsreport check reports/ --baseline autobahn-baseline.json --allow autobahn-allow.json
    ///   wsreport check reports/ --format github
    ///   wsreport check reports/ --format junit > autobahn.xml
    #[command(verbatim_doc_comment)]
    Check {
        /// Report directories, index.json files or case files (merged).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        judging: Judging,
        /// A baseline written by `wsreport baseline`.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// An allow-list of cases allowed to fail, each with a reason (JSON; see the README).
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
        /// Also write the run's dashboard (as `wsreport dashboard`) to this HTML file.
        #[arg(long, value_name = "FILE.html")]
        dashboard: Option<PathBuf>,
        #[command(flatten)]
        output: GateOutput,
    },
    /// Compare two runs: regressions, improvements, changes, missing and new cases.
    ///
    /// OLD and NEW may each be a report directory, an index.json, or a folder holding several
    /// batches (merged per agent); --old/--new add more batches to a side. Warns when the
    /// testsuite version or the agents differ. Exit status: 0 (even with regressions: use
    /// `check --baseline` to gate), 2 on unreadable input.
    ///
    /// Examples:
    ///   wsreport compare old/reports/servers reports/servers
    ///   wsreport compare old/ new/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    #[command(verbatim_doc_comment)]
    Compare {
        /// The earlier run.
        old: PathBuf,
        /// The later run.
        new: PathBuf,
        /// More batches of the earlier run.
        #[arg(long = "old", value_name = "PATH")]
        old_more: Vec<PathBuf>,
        /// More batches of the later run.
        #[arg(long = "new", value_name = "PATH")]
        new_more: Vec<PathBuf>,
        #[command(flatten)]
        judging: Judging,
        #[command(flatten)]
        output: GateOutput,
    },
    /// Write one self-contained HTML file that shows a run, explains it and diffs it.
    ///
    /// PATH as in `summarize`: report directories, folders holding several, index files, case
    /// pages. The page needs no network: counts per agent, the agents × cases matrix with
    /// filters, each case's description and explanation, the fault groups of the run, and
    /// with --baseline or --compare the newly failing, fixed and changed cases.
    ///
    /// Examples:
    ///   wsreport dashboard reports/servers -o autobahn.html
    ///   wsreport dashboard reports/ --baseline autobahn-baseline.json --title "main @ $GITHUB_SHA" -o autobahn.html
    ///   wsreport dashboard reports/ --compare old/reports -o changes.html
    #[command(verbatim_doc_comment)]
    Dashboard {
        /// Report directories, index files or case files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// A baseline written by `wsreport baseline`: mark what changed against it.
        #[arg(long, value_name = "FILE", conflicts_with = "compare")]
        baseline: Option<PathBuf>,
        /// An earlier run to mark what changed against.
        #[arg(long, value_name = "OLD")]
        compare: Option<PathBuf>,
        /// The page's title (a project, a branch, a commit).
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        judging: Judging,
        /// The HTML file to write.
        #[arg(short = 'o', long = "out", value_name = "FILE.html")]
        out: PathBuf,
    },
    /// Write a baseline (JSON on stdout) for `check --baseline`.
    ///
    /// Examples:
    ///   wsreport baseline reports/servers > autobahn-baseline.json
    #[command(verbatim_doc_comment)]
    Baseline {
        /// Report directories, index.json files or case files (merged).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// How cases are judged (`check`, `compare`).
#[derive(Debug, Args)]
pub struct Judging {
    /// Pass policy: strict (OK/OK or INFORMATIONAL/INFORMATIONAL), rfc (behaviour OK,
    /// NON-STRICT or INFORMATIONAL; close OK or INFORMATIONAL), lenient (fails only on FAILED,
    /// WRONG CODE, UNCLEAN, FAILED BY CLIENT).
    #[arg(long, value_enum, default_value_t = PolicyArg::Rfc)]
    pub policy: PolicyArg,
    /// UNIMPLEMENTED behaviour: fail, skip, or skip only in 12.* and 13.* (compression).
    #[arg(long, value_enum, default_value_t = UnimplementedArg::Fail)]
    pub unimplemented: UnimplementedArg,
}

/// `--policy`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// OK/OK or INFORMATIONAL/INFORMATIONAL.
    Strict,
    /// What RFC 6455 allows.
    Rfc,
    /// Fails only on FAILED, WRONG CODE, UNCLEAN, FAILED BY CLIENT.
    Lenient,
}

/// `--unimplemented`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnimplementedArg {
    /// The case fails.
    Fail,
    /// The case is skipped.
    Skip,
    /// Skipped in 12.* and 13.*, failed elsewhere.
    SkipCompression,
}

impl Judging {
    /// The library's policy.
    pub fn policy(&self) -> Policy {
        Policy {
            name: match self.policy {
                PolicyArg::Strict => PolicyName::Strict,
                PolicyArg::Rfc => PolicyName::Rfc,
                PolicyArg::Lenient => PolicyName::Lenient,
            },
            unimplemented: match self.unimplemented {
                UnimplementedArg::Fail => Unimplemented::Fail,
                UnimplementedArg::Skip => Unimplemented::Skip,
                UnimplementedArg::SkipCompression => Unimplemented::SkipCompression,
            },
        }
    }
}

/// Output options of the gate commands, which also speak JUnit and GitHub.
#[derive(Debug, Args)]
pub struct GateOutput {
    /// Output format: table, json, markdown, junit (XML test report), github (annotations),
    /// badge (shields.io endpoint JSON).
    #[arg(long, value_enum, default_value_t = GateFormatArg::Table)]
    pub format: GateFormatArg,
    /// With --format markdown: the most bytes to write. Long tables lose their last rows and
    /// say how many (the default fits a PR comment; a step summary takes 1048576).
    #[arg(long, value_name = "BYTES", default_value_t = wsreport::render::fit::PR_COMMENT_BYTES)]
    pub max_bytes: usize,
    /// When to colour the table: auto colours only on a terminal and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--format` of `check` and `compare`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GateFormatArg {
    /// Tables on a terminal, plain tables when piped.
    Table,
    /// One JSON document (fields documented in the README).
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// JUnit XML: one testcase per case.
    Junit,
    /// GitHub Actions workflow commands (::error …): at most 10 errors, the worst first.
    Github,
    /// shields.io endpoint JSON: {"schemaVersion":1,"label":"autobahn","message":"517/517 OK",…}.
    Badge,
}

impl GateOutput {
    /// The library's format.
    pub fn format(&self) -> Format {
        match self.format {
            GateFormatArg::Table => Format::Table,
            GateFormatArg::Json => Format::Json,
            GateFormatArg::Markdown => Format::Markdown,
            GateFormatArg::Junit => Format::Junit,
            GateFormatArg::Github => Format::Github,
            GateFormatArg::Badge => Format::Badge,
        }
    }

    /// The style, decided once.
    pub fn style(&self) -> Style {
        color_style(self.color)
    }
}

/// Output options shared by every command.
#[derive(Debug, Args)]
pub struct Output {
    /// Output format: table for people, json for programs, markdown for GitHub.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// When to colour the table: auto colours only on a terminal and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--format`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Tables on a terminal, plain tables when piped.
    Table,
    /// One JSON document (fields documented in the README).
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// `--color`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Output {
    /// The library's format.
    pub fn format(&self) -> Format {
        match self.format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }

    /// The style, decided once.
    pub fn style(&self) -> Style {
        color_style(self.color)
    }
}

fn color_style(color: ColorArg) -> Style {
    let color = match color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    Style { color }
}

/// `wsreport replay`'s arguments.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Case ids or globs.
    #[arg(required_unless_present = "from", value_name = "CASE")]
    pub cases: Vec<String>,
    /// Replay a report's case exactly as its run sent it (a case JSON, HTML page or copied
    /// page text): the same masks, chops and delays, cut payloads filled in from the catalog;
    /// then judge it and say how this run differs from the report's.
    #[arg(long, value_name = "CASE_FILE", conflicts_with_all = ["cases", "list", "repeat", "jobs", "report"])]
    pub from: Option<PathBuf>,
    /// The server to test.
    #[arg(long, default_value = "ws://127.0.0.1:9001")]
    pub target: String,
    /// Agent name written into results (and picked from --report).
    #[arg(long)]
    pub agent: Option<String>,
    /// A report directory to compare verdicts with: says whether each failure reproduced.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write index.json and per-case JSON (testsuite file names) here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Cases to run at once (default: the machine's cores; `--jobs 1` gives the cases whose
    /// verdict depends on timing a quiet machine).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Only print the ids the patterns select, one a line, and run nothing.
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub sending: Sending,
    /// Test a client instead: listen here, serve the case to whatever client connects (any
    /// path), print the verdict and why, exit. The URL is printed first (port 0 picks one).
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["target", "report", "jobs"])]
    pub listen: Option<String>,
    /// With --listen: serve the cases this many times (one connection each) to catch flaky
    /// behaviour; every run is reported.
    #[arg(long, default_value_t = 1, requires = "listen")]
    pub repeat: usize,
    #[command(flatten)]
    pub handshake: Handshake,
}

/// What the case engine sends: the test data of 12.x/13.x and how fragmented messages end
/// (`replay`, `run` and `fuzzingserver` share these).
#[derive(Debug, Args)]
pub struct Sending {
    /// The testsuite's test data directory (autobahntestsuite/testdata), which the compression
    /// cases 12.x and 13.x take their messages from. Without it, the files `wsreport testdata
    /// fetch` keeps in the cache directory; without those, stand-in data of the same sizes: the
    /// same verdicts, but compression ratios not comparable to the testsuite's.
    #[arg(long, value_name = "DIR", env = "WSREPORT_TESTDATA")]
    pub testdata: Option<PathBuf>,
    /// How a fragmented message whose length is a multiple of the fragment size (9.3.x, 9.4.x,
    /// 6.2.3 …) ends. wstest (the default): with an empty final continuation frame, as the real
    /// testsuite sends it, so reports match wstest's frame for frame. kosoku: the last full
    /// fragment is final, as kosoku (a reimplementation of the testsuite) sends it. Verdicts
    /// differ only against a peer that caps the frames of a message: Python websockets (4096
    /// frames) fails 9.3.3 and 9.4.3 under wstest's framing and passes them under kosoku's.
    #[arg(long, value_enum, default_value_t = Framing::Wstest)]
    pub framing: Framing,
    /// Deprecated: wstest's framing is now the default (`--framing wstest`).
    #[arg(long, hide = true, conflicts_with = "framing")]
    pub empty_final_fragment: bool,
    /// Largest message accepted from the peer, in octets, compressed or not (0: no limit). A
    /// frame declaring more is refused on its header, a message when its total (inflated)
    /// passes it: the connection is failed with 1009 and the case is FAILED saying so. The
    /// default passes every case (the largest message is 16 MiB, in 9.x).
    #[arg(long, value_name = "OCTETS", default_value_t = wsreport::wire::DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: usize,
}

/// `--framing`: whose way of ending a message of whole fragments the engine follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Framing {
    /// The real testsuite's: an empty final continuation frame.
    Wstest,
    /// kosoku's: the last full fragment is final.
    Kosoku,
}

impl Sending {
    /// `--testdata`, else the files `wsreport testdata fetch` keeps in the cache directory (the
    /// command layer says so on stderr), else none (stand-ins).
    pub fn testdata_dir(&self) -> Option<PathBuf> {
        self.testdata.clone().or_else(wsreport::testdata::cached)
    }

    /// How the engine ends a message of whole fragments.
    pub fn fragment_end(&self) -> wsreport::catalog::FragmentEnd {
        match self.framing {
            Framing::Wstest => wsreport::catalog::FragmentEnd::EmptyFinal,
            Framing::Kosoku => wsreport::catalog::FragmentEnd::Full,
        }
    }

    /// The engine's message limit (`None`: no limit).
    pub fn max_message_size(&self) -> Option<usize> {
        (self.max_message_size > 0).then_some(self.max_message_size)
    }
}

/// `wsreport testdata`'s actions.
#[derive(Debug, Subcommand)]
pub enum TestdataAction {
    /// Download the files from PyPI, check them and keep them (prints the directory).
    Fetch {
        /// Where to keep them (default: the cache directory, found automatically).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// A PyPI mirror with PyPI's JSON API (`/pypi/NAME/json`).
        #[arg(long, value_name = "URL", default_value = wsreport::testdata::PYPI)]
        index: String,
    },
}

/// `wsreport fuzzingserver`'s arguments.
#[derive(Debug, Args)]
pub struct FuzzingServerArgs {
    /// Address to listen on (default 127.0.0.1:9001, or the spec's url; port 0 picks a free
    /// port, printed on stdout).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Case ids or globs to serve (default: the spec's cases, else every case served).
    #[arg(long = "cases", value_name = "GLOB")]
    pub cases: Vec<String>,
    /// Case ids or globs to leave out.
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Report directory (default: the spec's outdir, else reports/clients).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The testsuite's spec file (url, outdir, cases, exclude-cases, exclude-agent-cases).
    #[arg(short = 's', long = "spec", value_name = "FILE")]
    pub spec: Option<PathBuf>,
    #[command(flatten)]
    pub sending: Sending,
    #[command(flatten)]
    pub tls: ServerTlsArgs,
}

impl FuzzingServerArgs {
    /// The library's command.
    pub fn command(self) -> wsreport::fuzzingserver::plan::FuzzingServerCommand {
        wsreport::fuzzingserver::plan::FuzzingServerCommand {
            listen: self.listen,
            cases: self.cases,
            exclude: self.exclude,
            out: self.out,
            spec: self.spec,
            fragment_end: self.sending.fragment_end(),
            testdata: self.sending.testdata_dir(),
            max_message_size: self.sending.max_message_size(),
        }
    }
}

/// `wsreport run`'s arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The server to test (replaces the spec's servers; default ws://127.0.0.1:9001 without a
    /// spec).
    #[arg(long)]
    pub target: Option<String>,
    /// The testsuite's fuzzingclient.json: servers, outdir, cases, exclude-cases,
    /// exclude-agent-cases.
    #[arg(short = 's', long = "spec", value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Case ids or globs to run (replace the spec's `cases`; default every case).
    #[arg(long, short = 'i', value_name = "GLOB", num_args = 1..)]
    pub cases: Vec<String>,
    /// Case ids or globs to leave out (added to the spec's `exclude-cases`).
    #[arg(long, short = 'x', value_name = "GLOB", num_args = 1..)]
    pub exclude: Vec<String>,
    /// Agent name with --target (default UnknownServer); without --target, the one spec
    /// server to run.
    #[arg(long)]
    pub agent: Option<String>,
    /// Where to write the reports (replaces the spec's `outdir`; default reports/servers).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Cases to run at once (default: the machine's cores; `--jobs 1` gives the cases whose
    /// verdict depends on timing a quiet machine).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Only print what would run, `AGENT CASE` a line, and run nothing.
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub judging: Judging,
    /// A baseline written by `wsreport baseline`: only what got worse fails (as in `check`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// An allow-list of cases allowed to fail, each with a reason (as in `check`).
    #[arg(long, value_name = "FILE")]
    pub allow: Option<PathBuf>,
    /// Also write the written report's dashboard (as `wsreport dashboard`) to this HTML file.
    #[arg(long, value_name = "FILE.html")]
    pub dashboard: Option<PathBuf>,
    #[command(flatten)]
    pub sending: Sending,
    #[command(flatten)]
    pub output: GateOutput,
    #[command(flatten)]
    pub ci: RunCi,
    #[command(flatten)]
    pub handshake: Handshake,
}

/// How a client connects: TLS for wss:// targets and extra upgrade-request headers (`run`,
/// `replay`).
#[derive(Debug, Args)]
pub struct Handshake {
    /// For a wss:// target: trust the CA certificates in this PEM file instead of the built-in
    /// web roots (a self-signed server certificate can be its own CA).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// For a wss:// target: accept any certificate (test servers only).
    #[arg(long, conflicts_with = "ca")]
    pub insecure: bool,
    /// A header added to every upgrade request, as NAME:VALUE (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// The Origin header of the upgrade request.
    #[arg(long)]
    pub origin: Option<String>,
    /// The Sec-WebSocket-Protocol header of the upgrade request (subprotocols, comma-separated).
    #[arg(long)]
    pub protocol: Option<String>,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((name, value))
            if !name.trim().is_empty()
                && name
                    .trim()
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b':')
                && !value.contains(['\r', '\n']) =>
        {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("`{s}` is not NAME:VALUE")),
    }
}

impl Handshake {
    /// How wss:// certificates are checked.
    pub fn tls(&self) -> wsreport::tls::ClientTlsOptions {
        wsreport::tls::ClientTlsOptions {
            ca: self.ca.clone(),
            insecure: self.insecure,
        }
    }

    /// Every header added to the upgrade request, --origin and --protocol last.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut h = self.headers.clone();
        if let Some(o) = &self.origin {
            h.push(("Origin".into(), o.clone()));
        }
        if let Some(p) = &self.protocol {
            h.push(("Sec-WebSocket-Protocol".into(), p.clone()));
        }
        h
    }
}

/// `serve`'s and `fuzzingserver`'s TLS: both files, or neither.
#[derive(Debug, Clone, Args)]
pub struct ServerTlsArgs {
    /// Serve wss://: the certificate chain (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Serve wss://: the private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl ServerTlsArgs {
    /// The server's TLS, when both files are given.
    pub fn load(&self) -> Result<Option<wsreport::tls::ServerTls>, wsreport::tls::TlsError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => wsreport::tls::ServerTls::new(cert, key).map(Some),
            _ => Ok(None),
        }
    }
}

/// `run`'s CI conveniences: the server started for the run, shards, re-runs.
#[derive(Debug, Args)]
pub struct RunCi {
    /// Start the server under test first: a shell command in which `{port}` becomes a free
    /// port; the target is then ws://127.0.0.1:{port} (or --target with `{port}` filled in).
    /// Its output goes to stderr; it is stopped (its whole process group) when the run ends.
    #[arg(long, value_name = "CMD")]
    pub server_cmd: Option<String>,
    /// Retry the first connection to each server for up to this many seconds (default 30
    /// with --server-cmd, else 0: one try).
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<f64>,
    /// Run only share K of N of the selected cases (stable: every K-th case in the testsuite's
    /// order); `check`, `summarize` and `compare` merge the shards' report directories.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<wsreport::shard::Shard>,
    /// Re-run each case that fails the policy up to N times until it passes; a case whose
    /// verdict changed is reported flaky. The report keeps the first verdict; every attempt
    /// goes into wsreport-attempts.json beside it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rerun_failed: usize,
}

impl RunArgs {
    /// How the written report is judged.
    pub fn gate(&self) -> wsreport::run::Gate {
        wsreport::run::Gate {
            policy: self.judging.policy(),
            baseline: self.baseline.clone(),
            allow: self.allow.clone(),
        }
    }

    /// The library's command.
    pub fn command(&self) -> wsreport::run::RunCommand {
        wsreport::run::RunCommand {
            spec: self.spec.clone(),
            target: self.target.clone(),
            agent: self.agent.clone(),
            cases: self.cases.clone(),
            exclude: self.exclude.clone(),
            out: self.out.clone(),
            jobs: jobs_or_cores(self.jobs),
            testdata: self.sending.testdata_dir(),
            fragment_end: self.sending.fragment_end(),
            shard: self.ci.shard,
            wait: std::time::Duration::from_secs_f64(self.ci.wait.unwrap_or(
                if self.ci.server_cmd.is_some() {
                    30.0
                } else {
                    0.0
                },
            )),
            rerun_failed: self.ci.rerun_failed,
            rerun_policy: self.judging.policy(),
            tls: self.handshake.tls(),
            headers: self.handshake.headers(),
            max_message_size: self.sending.max_message_size(),
        }
    }
}

/// `--jobs N`, or the machine's cores when not given (at least 1).
pub fn jobs_or_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(wsreport::replay::runner::default_jobs)
        .max(1)
}
