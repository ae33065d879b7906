//! Helpers shared by integration test files (each file includes this
//! folder as `mod support`).

pub mod binary;
pub mod tui_session;
