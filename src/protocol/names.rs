//! Name rules for users and rooms: 1..=32 letters, digits, `_`, `-`, `.`; unique under
//! Unicode lowercase; a few reserved words.

use super::limits::{MAX_NAME_CHARS, RESERVED_ROOM_NAMES, RESERVED_USERNAMES};

/// Why a name was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the name may only contain letters, digits, '_', '-' and '.' (found {found:?})")]
    BadCharacter { found: char },
    #[error("the name '{name}' is reserved")]
    Reserved { name: String },
}

/// Checks a username against the rules (does not check uniqueness).
pub fn validate_username(name: &str) -> Result<(), NameError> {
    validate(name, RESERVED_USERNAMES)
}

/// Checks a room name against the rules (does not check uniqueness).
pub fn validate_room_name(name: &str) -> Result<(), NameError> {
    validate(name, RESERVED_ROOM_NAMES)
}

/// The key under which names are unique: Unicode lowercase.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

fn validate(name: &str, reserved: &[&str]) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong { max: MAX_NAME_CHARS });
    }
    if let Some(found) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(NameError::BadCharacter { found });
    }
    let key = name_key(name);
    if reserved.contains(&key.as_str()) {
        return Err(NameError::Reserved { name: name.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for n in ["alice", "Bob_2", "zoë", "李雷", "a.b-c", "x"] {
            assert_eq!(validate_username(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn length_boundary_counts_characters_not_bytes() {
        assert_eq!(validate_username(&"é".repeat(MAX_NAME_CHARS)), Ok(()));
        assert_eq!(
            validate_username(&"é".repeat(MAX_NAME_CHARS + 1)),
            Err(NameError::TooLong { max: MAX_NAME_CHARS })
        );
        assert_eq!(validate_username(""), Err(NameError::Empty));
    }

    #[test]
    fn refuses_spaces_controls_and_symbols() {
        for (n, c) in [
            ("a b", ' '),
            ("a\nb", '\n'),
            ("a\u{1b}b", '\u{1b}'),
            ("a/b", '/'),
            ("\u{202e}x", '\u{202e}'),
        ] {
            assert_eq!(validate_username(n), Err(NameError::BadCharacter { found: c }));
        }
    }

    #[test]
    fn reserved_names_in_any_case() {
        for n in ["me", "ME", "System"] {
            assert!(matches!(validate_username(n), Err(NameError::Reserved { .. })));
        }
        assert!(matches!(validate_room_name("Lobby"), Err(NameError::Reserved { .. })));
        assert_eq!(validate_room_name("me"), Ok(()));
        assert_eq!(validate_username("lobby"), Ok(()));
    }

    #[test]
    fn uniqueness_key_is_lowercase() {
        assert_eq!(name_key("ALICE"), name_key("alice"));
        assert_eq!(name_key("ÉMILE"), "émile");
    }
}
