//! Operating-system errors in one short phrase ("No such file or directory"),
//! without Rust's "(os error 2)" suffix, for messages that name the file.

pub fn reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
