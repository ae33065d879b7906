//! Reusable pieces of screens: the condition input (the one text area for
//! conditions, with live checking and completion), where its cursor stands in
//! the grammar and what completion offers there, a one-line text field,
//! table columns laid out by priority, a segment's trend panel, and text cut
//! by display width.

pub mod columns;
pub mod completion;
pub mod condition_input;
pub mod suggestions;
pub mod text;
pub mod text_line;
pub mod trend;
