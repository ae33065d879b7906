//! Text for narrow places: cut to a number of terminal columns (the model's
//! rule, shared with the CLI's tables), counts with thousands separators,
//! and a path shortened to its file name.

pub use crate::model::{cut_to_width as cut, display_width as width, format_count as thousands};

/// The last part of a path, for short messages and narrow columns.
pub fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(
        || path.to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_of_paths() {
        assert_eq!(file_name("/a/b/c.seg"), "c.seg");
        assert_eq!(file_name("c.seg"), "c.seg");
    }
}
