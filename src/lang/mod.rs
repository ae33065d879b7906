//! The segscope language: text in, checked definitions and diagnostics out.
//!
//! `parse_file` / `parse_condition` turn text into the definition trees of
//! [`crate::model::ast`];
//! [`validate`] checks what needs no data (names, references, cycles,
//! regexes, where aggregates may appear); [`format`] prints a tree back in
//! canonical form; [`view`] gives a `view` block its meaning (and prints a
//! view back), as [`destination`] does for a `destination` block and
//! [`playbook`] for a `playbook` block; [`environment`] checks the
//! environment variables their secrets are read from; [`tokens`] cuts
//! half-typed text into the language's tokens for completion. This module
//! knows nothing of storage, evaluation or screens.

mod build;
mod datetime;
pub mod destination;
pub mod diagnostic;
pub mod environment;
mod expected;
pub mod format;
mod lexical;
mod parser;
pub mod playbook;
mod syntax_error;
pub mod validate;
pub mod view;

pub use datetime::parse_datetime;
pub use diagnostic::{Diagnostic, Renderer, Severity, line_column};
pub use lexical::{Token, TokenKind, tokens};
pub use parser::{
    MAX_RELATIVE_AMOUNT, ParsedValue, needs_quotes, parse_condition, parse_file,
    parse_relative_time, parse_value,
};
pub use validate::did_you_mean;
