//! Parsing one input line: plain text, or a slash command.

/// What one line of input asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text(String),
    Dm {
        to: String,
        text: String,
    },
    Users,
    Rooms,
    Create(String),
    Join(String),
    Leave,
    /// Send a file to the current conversation.
    File(String),
    /// Send a file to a member.
    DmFile {
        to: String,
        path: String,
    },
    /// Tell the current conversation we are typing.
    Typing,
    /// Show the safety number with a member.
    Verify(String),
    /// Mark a member verified (after comparing safety numbers).
    Trust(String),
    Quit,
    Empty,
    /// An unknown or malformed command, with the help text to show.
    Bad(String),
}

const HELP: &str = "commands: /dm NAME text, /file PATH, /dmfile NAME PATH, /users, /rooms, /create ROOM, /join ROOM, /leave, /verify NAME, /trust NAME, /quit";

/// Parses one line (without its newline).
pub fn parse(line: &str) -> Input {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return Input::Empty;
    }
    let Some(cmd) = line.strip_prefix('/') else {
        return Input::Text(line.to_string());
    };
    let (word, rest) = cmd.split_once(char::is_whitespace).unwrap_or((cmd, ""));
    let rest = rest.trim();
    let one_arg = |f: fn(String) -> Input| {
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            Input::Bad(format!("/{word} takes one name; {HELP}"))
        } else {
            f(rest.to_string())
        }
    };
    match word {
        "dm" => match rest.split_once(char::is_whitespace) {
            Some((to, text)) if !text.trim().is_empty() => Input::Dm {
                to: to.to_string(),
                text: text.trim_start().to_string(),
            },
            _ => Input::Bad(format!("usage: /dm NAME text; {HELP}")),
        },
        "file" if !rest.is_empty() => Input::File(rest.to_string()),
        "file" => Input::Bad(format!("usage: /file PATH; {HELP}")),
        "dmfile" => match rest.split_once(char::is_whitespace) {
            Some((to, path)) if !path.trim().is_empty() => Input::DmFile {
                to: to.to_string(),
                path: path.trim().to_string(),
            },
            _ => Input::Bad(format!("usage: /dmfile NAME PATH; {HELP}")),
        },
        "typing" => Input::Typing,
        "users" => Input::Users,
        "rooms" => Input::Rooms,
        "create" => one_arg(Input::Create),
        "join" => one_arg(Input::Join),
        "leave" => Input::Leave,
        "verify" => one_arg(Input::Verify),
        "trust" => one_arg(Input::Trust),
        "quit" => Input::Quit,
        _ => Input::Bad(format!("unknown command /{word}; {HELP}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(parse("hello there"), Input::Text("hello there".into()));
        assert_eq!(
            parse("/dm bob hi  you"),
            Input::Dm {
                to: "bob".into(),
                text: "hi  you".into()
            }
        );
        assert!(matches!(parse("/dm bob"), Input::Bad(_)));
        assert_eq!(parse("/create ops"), Input::Create("ops".into()));
        assert!(matches!(parse("/create"), Input::Bad(_)));
        assert!(matches!(parse("/create a b"), Input::Bad(_)));
        assert_eq!(parse("/join 1234"), Input::Join("1234".into()));
        assert_eq!(parse("/leave"), Input::Leave);
        assert_eq!(parse("/users"), Input::Users);
        assert_eq!(parse("/rooms"), Input::Rooms);
        assert_eq!(parse("/quit"), Input::Quit);
        assert_eq!(parse("/verify bob"), Input::Verify("bob".into()));
        assert_eq!(parse("/file my notes.txt"), Input::File("my notes.txt".into()));
        assert_eq!(
            parse("/dmfile bob /tmp/a b.png"),
            Input::DmFile {
                to: "bob".into(),
                path: "/tmp/a b.png".into()
            }
        );
        assert!(matches!(parse("/file"), Input::Bad(_)) && matches!(parse("/dmfile bob"), Input::Bad(_)));
        assert_eq!(parse("/trust bob"), Input::Trust("bob".into()));
        assert!(matches!(parse("/verify"), Input::Bad(_)));
        assert_eq!(parse("   "), Input::Empty);
        assert!(matches!(parse("/nope"), Input::Bad(_)));
    }
}
