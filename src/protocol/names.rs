//! Name rules for users and rooms: 1..=32 letters, digits, `_`, `-`, `.`; unique under
//! Unicode lowercase, and under look-alike letters for new names; a few reserved words.

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

/// How a name looks, to tell names that would pass for each other: the confusable
/// skeleton of Unicode UTS #39, of the name in lowercase and as written. `ana`,
/// `ANA`, `аna` (a Cyrillic а) and `αna` look alike, as do `bill` and `biII`. The
/// host refuses a new member or room whose name looks like another's that is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookAlike {
    folded: String,
    written: String,
}

impl LookAlike {
    pub fn of(name: &str) -> Self {
        LookAlike {
            folded: unicode_security::skeleton(&name.to_lowercase()).collect(),
            written: unicode_security::skeleton(name).collect(),
        }
    }

    /// Whether the two names would pass for each other.
    pub fn like(&self, other: &LookAlike) -> bool {
        self.folded == other.folded || self.written == other.written
    }
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
    fn look_alike_names_share_a_key_and_different_ones_do_not() {
        let like = |a: &str, b: &str| LookAlike::of(a).like(&LookAlike::of(b));
        for same in ["ANA", "Ana", "\u{430}na", "\u{3b1}na", "\u{391}NA", "a\u{200b}na"] {
            assert!(like("ana", same), "{same:?}");
        }
        assert!(like("alice", "\u{391}LICE") && like("ALICE", "\u{391}LICE"));
        assert!(like("bill", "biII"));
        assert!(like("zoë", "zoe\u{308}"));
        for other in ["anna", "bob", "an", "李雷", "zoe"] {
            assert!(!like("ana", other), "{other:?}");
        }
        assert!(!like("zoë", "zoe"));
    }

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
