//! The command line: arguments (clap), one file per subcommand, and the exit
//! status convention the README gives — 0 success, 1 a user error (bad input,
//! failed check), 2 a usage error. Data goes to stdout, messages to stderr.
//! A command returns its failure as a [`CliError`]; [`run`] prints it, once.

mod apply;
mod check;
mod completions;
mod delete;
mod deliver;
mod demo;
mod error;
mod explain;
mod export;
mod fmt;
mod history;
mod import;
mod output;
mod playbooks;
mod query;
mod run;
mod runs;
mod segments;
mod set;
mod show;
mod source;
mod sync;
mod ui;
mod views;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

pub use error::CliError;

use crate::model::EntityKind;
use crate::model::ast::RelativeTime;
use crate::workspace::{OpenOptions, Workspace, clock_now, resolve_relative};

/// Customer segments in the terminal: define them as code, see who is in
/// them, keep your tools in step.
///
/// `segscope [FILES.seg...]` (no command) opens the terminal UI after
/// applying the files, which are then watched.
#[derive(Debug, Parser)]
#[command(name = "segscope", version, about, long_about = None, after_help = "Without a command, `segscope [FILES.seg...]` opens the terminal UI after applying the files.")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// Let the terminal UI use the mouse (off by default, so the terminal's
    /// own text selection works): without a command, or with demo.
    #[arg(long)]
    pub mouse: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// `segscope [FILES.seg...]`: the terminal UI.
#[derive(Debug, Parser)]
#[command(name = "segscope", version, about = "Open the segscope terminal UI", long_about = None)]
pub struct UiCli {
    #[command(flatten)]
    pub global: Global,
    /// .seg files to apply first; they are watched and applied again when
    /// they change.
    #[arg(value_name = "FILES.seg")]
    pub files: Vec<PathBuf>,
    /// Let the terminal UI use the mouse (off by default, so the terminal's
    /// own text selection works).
    #[arg(long)]
    pub mouse: bool,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// The database file [default: segscope.redb; for demo,
    /// segscope-demo.redb] (the last --db given wins).
    #[arg(
        long,
        global = true,
        env = "SEGSCOPE_DB",
        value_name = "PATH",
        overrides_with = "db"
    )]
    pub db: Option<PathBuf>,
    /// Evaluate relative times (`30 days ago`) as of this instant instead
    /// of the clock: a date, an RFC 3339 instant, or a relative time of the
    /// language such as `1 day ago` (as of the clock). Commands that record
    /// membership (apply, import, set, delete, run, the UI) refuse an instant
    /// before the last recorded evaluation or after the clock; read commands
    /// take any.
    #[arg(long, global = true, env = "SEGSCOPE_NOW", value_name = "INSTANT", value_parser = parse_now)]
    pub now: Option<i64>,
    /// Wait up to this many seconds for another segscope process to release
    /// the database.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub wait: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a database of generated, realistic SaaS data with the example
    /// segments, and show it.
    ///
    /// The database is segscope-demo.redb in the current directory, or the
    /// file --db (or SEGSCOPE_DB) names; the segments are written beside it
    /// (segscope-demo.seg). An existing demo database is opened as it is.
    Demo(demo::Args),
    /// Parse and validate .seg files; report every problem with its location.
    ///
    /// Files are checked together, as `apply` would apply them: a segment may
    /// refer to one in another file. With --db (or SEGSCOPE_DB) they are
    /// checked against that database as `apply` would apply them there:
    /// references resolve against its definitions, and its data gives
    /// warnings (a property no entity has, a literal of a type never held).
    /// Exits 1 if any file has an error; warnings never fail.
    Check {
        /// The .seg files to check.
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
    },
    /// Rewrite .seg files in canonical form, keeping comments.
    ///
    /// `-` formats standard input to standard output. A file that does not
    /// parse is reported and left as it is. With --check, the diff of each
    /// file not in canonical form goes to stdout (`--- FILE`, `+++ FILE
    /// (canonical)`).
    Fmt {
        /// The .seg files to format (`-` for standard input).
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
        /// Change nothing: print what would change as a unified diff on
        /// stdout and exit 1 if any file is not in canonical form.
        #[arg(long)]
        check: bool,
    },
    /// Apply .seg files to the database: each file is the source of truth
    /// for its own definitions. All or nothing.
    Apply(apply::Args),
    /// Add or update entities from .jsonl, .json or .csv (`-`: JSON lines on
    /// stdin). All or nothing unless --skip-invalid.
    Import(import::Args),
    /// Delete entities by id.
    Delete(delete::Args),
    /// Change properties of one entity: PROP=VALUE in the language's literal
    /// syntax ("text", 42, true, 2024-05-01, ["a", "b"]) or a relative time
    /// (now, 3 days ago); PROP= unsets.
    Set(set::Args),
    /// List segments with their kind, member count and description.
    Segments(segments::Args),
    /// List the entities matching a condition, or the rows of a saved view
    /// (--view).
    Query(query::Args),
    /// List the saved views (`view` definitions) with their kind, layout
    /// (a list, or stages by a property), filter, columns, sort and origin.
    ///
    /// Views come from .seg files (`apply`) or are saved in the terminal UI.
    /// `segscope query --view NAME` prints the rows of one.
    Views(views::Args),
    /// Show one entity: properties, segments, membership history, links.
    Show(show::Args),
    /// Write every entity (or the members of segments) with its segments.
    Export(export::Args),
    /// List membership events (entered / exited), or with --daily a
    /// segment's member count per day.
    History(history::Args),
    /// Say why an entity is or is not in a segment: the clause of the
    /// segment's condition that decided it and the values compared.
    ///
    /// For a false `and` its first false operand decides, for a true `or`
    /// its first true one; `in segment "S"` shows S's own deciding clause
    /// one level down. Without SEGMENT, every segment of the kind is
    /// explained, in name order. The answer comes from the same evaluation
    /// that computes membership, as of --now.
    Explain(explain::Args),
    /// Re-evaluate time-dependent segments as of now and record the changes
    /// (for cron).
    ///
    /// History only moves forward: an instant (--now) before the last
    /// recorded evaluation or after the clock is refused, as for every
    /// command that records. `--dry-run` evaluates as of any instant and
    /// records nothing.
    Run(run::Args),
    /// Send segments to a destination (HubSpot, a webhook, a file): only
    /// what changed since the destination last acknowledged.
    ///
    /// Each run sends new and changed records, clears the segments of
    /// entities that left the destination's filter once, and stores what
    /// was acknowledged batch by batch, so an interrupted run loses nothing.
    /// Prints the summary and each record that did not go; exits 1 when
    /// any record failed. `--dry-run` prints the plan and sends nothing.
    /// Tokens and secrets are read from the environment variables the
    /// definition names, never stored or printed.
    Sync(sync::Args),
    /// List the sync run log, newest first: counts, outcome and the records
    /// that did not go, with their reasons.
    Runs(runs::Args),
    /// List the playbooks: trigger, actions, fires in the last 24 h,
    /// pending webhook deliveries; or one playbook's firings (--runs), the
    /// activity log (--log); or disable / enable one.
    ///
    /// A playbook fires when an entity starts to satisfy its `when` (on
    /// apply, import, set, a TUI edit or stage move, and `segscope run`).
    /// Commands that fire deliver the webhooks before they exit; what
    /// cannot be delivered stays pending and is retried, with backoff, by
    /// the next command or `segscope run`.
    Playbooks(playbooks::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish or
    /// powershell) to stdout.
    ///
    /// For example `segscope completions bash >
    /// ~/.local/share/bash-completion/completions/segscope`, or
    /// `segscope completions zsh > ~/.zfunc/_segscope` (with ~/.zfunc in
    /// fpath), or `segscope completions fish >
    /// ~/.config/fish/completions/segscope.fish`.
    Completions(completions::Args),
}

/// `--kind users|accounts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Users,
    Accounts,
}

impl From<KindArg> for EntityKind {
    fn from(kind: KindArg) -> EntityKind {
        match kind {
            KindArg::Users => EntityKind::Users,
            KindArg::Accounts => EntityKind::Accounts,
        }
    }
}

/// What a command reports back: success, or why it failed.
pub type Outcome = Result<(), CliError>;

pub fn run() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if wants_ui(&args) {
        let ui = UiCli::parse_from(args);
        return exit_code(ui::run(&ui.global, &ui.files, ui.mouse));
    }
    let cli = Cli::parse_from(args);
    if cli.mouse && !matches!(cli.command, Command::Demo(_)) {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--mouse is for the terminal UI: give it without a command (segscope --mouse FILES.seg) or with demo",
            )
            .exit();
    }
    let global = cli.global;
    // A panic in the storage layer (a damaged file) is reported as damage.
    let outcome = crate::workspace::guarded(global.db_path(), || match cli.command {
        Command::Demo(args) => demo::run(&global, args, cli.mouse),
        Command::Check { files } => check::run(&global, &files),
        Command::Fmt { files, check } => fmt::run(&files, check),
        Command::Apply(args) => apply::run(&global, args),
        Command::Import(args) => import::run(&global, args),
        Command::Delete(args) => delete::run(&global, args),
        Command::Set(args) => set::run(&global, args),
        Command::Segments(args) => segments::run(&global, args),
        Command::Query(args) => query::run(&global, args),
        Command::Views(args) => views::run(&global, args),
        Command::Show(args) => show::run(&global, args),
        Command::Export(args) => export::run(&global, args),
        Command::History(args) => history::run(&global, args),
        Command::Explain(args) => explain::run(&global, args),
        Command::Run(args) => run::run(&global, args),
        Command::Sync(args) => sync::run(&global, args),
        Command::Runs(args) => runs::run(&global, args),
        Command::Playbooks(args) => playbooks::run(&global, args),
        Command::Completions(args) => completions::run(args),
    });
    exit_code(outcome)
}

/// Is this `segscope [global options] [FILES.seg...]` — no command? The
/// first word that is not a global option (or its value) decides: a file
/// means the UI; a command, a typo of one or an option such as --help goes to
/// the commands' parser.
fn wants_ui(args: &[std::ffi::OsString]) -> bool {
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        match word.as_ref() {
            "--db" | "--now" | "--wait" => {
                words.next();
            }
            "--mouse" => {}
            option
                if option.starts_with("--db=")
                    || option.starts_with("--now=")
                    || option.starts_with("--wait=") => {}
            option if option.starts_with('-') => return false,
            // A file opens the UI; anything else is a command (or a typo
            // of one, which the commands' parser explains).
            word => return word.ends_with(".seg") || std::path::Path::new(word).is_file(),
        }
    }
    true
}

/// The exit status of a command; its error, if any, is printed here and
/// nowhere else.
fn exit_code(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error.print();
            ExitCode::from(error.exit_code())
        }
    }
}

/// The default database file in the current directory.
pub const DEFAULT_DB: &str = "segscope.redb";

impl Global {
    pub fn db_path(&self) -> &Path {
        self.db.as_deref().unwrap_or(Path::new(DEFAULT_DB))
    }

    /// Opens the workspace, creating the database when there is none (the
    /// commands that bring data: `import`, `apply`); `record` for commands
    /// that change things, which open it for writing (the others only read).
    pub fn open(&self, record: bool) -> Result<CommandWorkspace, CliError> {
        self.open_at(self.db_path(), record)
    }

    /// Opens the workspace of a database that must exist already: commands
    /// that read, or change what is there, never create an empty one (a
    /// mistyped `--db` would otherwise leave a file and answer "nothing").
    pub fn open_existing(&self, record: bool) -> Result<CommandWorkspace, CliError> {
        self.open_at(self.existing_db_path()?, record)
    }

    /// Opens the existing database to query properties (see
    /// [`Workspace::open_to_query`]).
    pub fn open_to_query(&self) -> Result<CommandWorkspace, CliError> {
        let path = self.existing_db_path()?;
        let workspace = Workspace::open_to_query(path, self.open_options(false))?;
        Ok(CommandWorkspace(Some(workspace)))
    }

    fn existing_db_path(&self) -> Result<&Path, CliError> {
        let path = self.db_path();
        if !crate::workspace::database_exists(path) {
            return Err(CliError::NoDatabase {
                path: path.to_path_buf(),
            });
        }
        Ok(path)
    }

    fn open_options(&self, record: bool) -> OpenOptions {
        OpenOptions {
            now: self.now,
            wait: self.wait.map(Duration::from_secs),
            record,
        }
    }

    /// Opens the workspace at `path`: for changes when `record`, else for
    /// reading only (nothing written to the file).
    pub fn open_at(&self, path: &Path, record: bool) -> Result<CommandWorkspace, CliError> {
        let options = self.open_options(record);
        let workspace = if record {
            Workspace::open(path, options)?
        } else {
            Workspace::open_read_only(path, options)?
        };
        Ok(CommandWorkspace(Some(workspace)))
    }
}

/// A workspace for one command, which the process leaves right after: when
/// it goes, the database is closed properly but the snapshot's memory is left
/// to the process's exit (see [`Workspace::close_and_exit_soon`]).
pub struct CommandWorkspace(Option<Workspace>);

impl std::ops::Deref for CommandWorkspace {
    type Target = Workspace;

    fn deref(&self) -> &Workspace {
        self.0.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for CommandWorkspace {
    fn deref_mut(&mut self) -> &mut Workspace {
        self.0.as_mut().expect("present until dropped")
    }
}

impl Drop for CommandWorkspace {
    fn drop(&mut self) {
        if let Some(workspace) = self.0.take() {
            workspace.close_and_exit_soon();
        }
    }
}

/// An instant as the command line takes it: a date or an RFC 3339 instant,
/// or a relative time of the language (`now`, `1 hour ago`, `2 weeks from
/// now`), which names an instant once the command knows its `now` (--now or
/// the clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstantArg {
    At(i64),
    Relative(RelativeTime),
}

impl InstantArg {
    /// The instant, with relative times resolved as of `now` by the same
    /// calendar that evaluates conditions.
    pub fn as_of(self, now: i64) -> i64 {
        match self {
            InstantArg::At(instant) => instant,
            InstantArg::Relative(relative) => resolve_relative(now, relative),
        }
    }
}

/// A `--now` or `--since` that is not an instant (clap shows it after the
/// option it was given to), and why when the language says more.
#[derive(Debug)]
pub struct NotAnInstant {
    text: String,
    reason: Option<String>,
}

impl std::fmt::Display for NotAnInstant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reason {
            Some(reason) => write!(f, "`{}` is not an instant: {reason}", self.text),
            None => write!(
                f,
                "`{}` is not an instant: write a date such as 2024-05-01, an RFC 3339 instant such as 2024-05-01T10:30:00Z, or a relative time such as `1 hour ago` or `now`",
                self.text
            ),
        }
    }
}

impl std::error::Error for NotAnInstant {}

/// `--since` and the like: a date, RFC 3339, or a relative time.
fn parse_instant(text: &str) -> Result<InstantArg, NotAnInstant> {
    if let Some(instant) = crate::model::datetime_from_text(text.trim()) {
        return Ok(InstantArg::At(instant));
    }
    match crate::lang::parse_relative_time(text) {
        Some(Ok(relative)) => Ok(InstantArg::Relative(relative)),
        Some(Err(reason)) => Err(NotAnInstant {
            text: text.to_string(),
            reason: Some(reason),
        }),
        None => Err(NotAnInstant {
            text: text.to_string(),
            reason: None,
        }),
    }
}

/// `--now`: an instant, a relative one as of the clock.
fn parse_now(text: &str) -> Result<i64, NotAnInstant> {
    parse_instant(text).map(|instant| instant.as_of(clock_now()))
}
