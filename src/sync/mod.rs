//! Destinations' runs: one runner for every connector. It plans (which
//! entities the filter selects, each one's payload diffed against what the
//! destination last acknowledged, who left), sends in batches through the
//! destination's connector (HubSpot, a webhook, a file), retries by the
//! fault rules of the sync spec, and stores each acknowledged batch's state
//! in the same change as the run's record: a crash or a cancel loses
//! nothing and the next run resends only what was not acknowledged.
//!
//! It reads entities and stores state through the workspace; only
//! `http.rs` touches the network. It does not parse definitions (`lang`
//! does) or show anything (the faces do, from [`SyncProgress`] and the
//! [`SyncRun`] it returns).

mod connector;
mod file;
pub(crate) mod http;
mod hubspot;
mod pace;
mod payload;
mod plan;
mod report;
pub(crate) mod retry;
mod runner;
pub mod summary;
pub(crate) mod webhook;

use std::fmt;

pub use connector::{SyncControl, SyncProgress};
pub use http::{DEFAULT_TIMEOUT, HttpFailure};
pub use plan::{KindPlan, Record, RecordOp, SyncPlan, plan};
pub use report::{PlanReport, plan_report, sample_payloads};
pub use runner::run;
pub use webhook::{sign, signing_key};

use crate::model::destination::ConnectorKind;
use crate::model::sync_run::SyncRun;
use crate::store::StoreError;

/// Why a run could not start (a run that starts ends as a [`SyncRun`],
/// however it ends).
#[derive(Debug)]
pub enum SyncError {
    Store(StoreError),
    /// The definition cannot be planned as it stands (a segment gone, too
    /// many options for HubSpot, ...): the sentence says what to change.
    Plan(String),
    /// A secret the destination names is not in the environment.
    MissingSecret {
        destination: String,
        variable: String,
        what: &'static str,
    },
    /// The destination's endpoint said it is gone.
    Disabled {
        destination: String,
        address: String,
    },
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Store(error) => error.fmt(f),
            SyncError::Plan(reason) => f.write_str(reason),
            SyncError::MissingSecret {
                destination,
                variable,
                what,
            } => write!(
                f,
                "destination \"{destination}\" reads its {what} from the environment variable {variable}, which is not set: export it (the value is never stored or printed) and run again; `--dry-run` needs no {what}"
            ),
            SyncError::Disabled {
                destination,
                address,
            } => write!(
                f,
                "destination \"{destination}\" is disabled: {address} answered 410 Gone, so nothing more is sent there; point its definition at a new address to enable it again"
            ),
        }
    }
}

impl std::error::Error for SyncError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SyncError::Store(error) => Some(error),
            _ => None,
        }
    }
}

impl From<StoreError> for SyncError {
    fn from(error: StoreError) -> SyncError {
        SyncError::Store(error)
    }
}

/// A secret from the environment variable a destination names; set but
/// empty (or blank) is not set: nothing is sent with an empty token or
/// signed with an empty key.
pub(crate) fn secret_from_env(
    destination: &str,
    variable: &str,
    what: &'static str,
) -> Result<String, SyncError> {
    std::env::var(variable)
        .ok()
        .filter(|secret| !secret.trim().is_empty())
        .ok_or_else(|| SyncError::MissingSecret {
            destination: destination.to_string(),
            variable: variable.to_string(),
            what,
        })
}

/// A JSON value as the text a destination that takes only text gets:
/// strings as they are, everything else as JSON writes it.
pub(crate) fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Checks a plan against what its connector can take, before anything is
/// sent (and in a dry run).
fn connector_checks(plan: &SyncPlan) -> Result<(), SyncError> {
    match plan.destination.connector {
        ConnectorKind::HubSpot => hubspot::check_plan(plan),
        ConnectorKind::Webhook => Ok(()),
        ConnectorKind::File => file::check_plan(plan),
    }
}

/// Was the run cut short by the destination or the network?
pub fn stopped_reason(run: &SyncRun) -> Option<&str> {
    match &run.outcome {
        crate::model::sync_run::RunOutcome::Stopped(reason) => Some(reason),
        _ => None,
    }
}
