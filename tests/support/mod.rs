//! Helpers shared by integration test files (each file includes this
//! folder as `mod support`).

pub mod binary;
pub mod checked;
pub mod fake_hubspot;
pub mod loopback;
pub mod sync_setup;
pub mod tui_session;
pub mod webhook_receiver;
