//! segscope: customer segments defined in a small language, evaluated over
//! users and accounts, and kept in step with the tools that use them.
//!
//! Data flows one way: `lang` (text → definitions) → `model` → `store` →
//! `engine` → `workspace` → the faces (`cli`, `tui`). See README.md.

pub mod cli;
pub mod demo;
pub mod engine;
pub mod files;
pub mod lang;
pub mod model;
pub mod os_error;
pub mod playbook;
pub mod store;
pub mod sync;
pub mod tui;
pub mod workspace;
