//! Reusable pieces of screens: the condition input (the one text area for
//! conditions, with live checking and completion), where its cursor stands in
//! the grammar and what completion offers there, a one-line text field,
//! table columns laid out by priority, text cut by display width, a list to
//! pick from while typing, the filter bar of conditions shown as chips, the
//! condition builder that makes one chip step by step, and a segment's
//! trend panel.

pub mod builder;
pub mod columns;
pub mod completion;
pub mod condition_input;
pub mod entity_table;
pub mod filter_bar;
pub mod filter_editor;
pub mod kanban;
pub mod picker;
pub mod suggestions;
pub mod text;
pub mod text_line;
pub mod trend;
