//! The rules of single cells of a user import: each turns a cell's text into
//! a typed value or a [`Code`] and a Japanese reason (with the English after
//! it, for logs and support). See [`super::users`] for which column uses which.

use super::Code;
use super::users::{MAX_GROUP, MAX_NAME, MAX_REMARKS, Status};
use domain::email::EmailError;
use domain::{Email, Role};

/// A cell's value or why it is wrong.
pub(super) type Rule<T> = Result<T, (Code, String)>;

/// `email`: an address, normalised.
pub(super) fn email(value: &str) -> Rule<Email> {
    Email::parse(value).map_err(|e| match e {
        EmailError::Empty => (
            Code::Required,
            "メールアドレスを入力してください (e-mail is required)".to_owned(),
        ),
        EmailError::Invalid => (
            Code::InvalidEmail,
            format!("「{value}」はメールアドレスの形式ではありません (not an e-mail address)"),
        ),
    })
}

/// `action`: whether the row deletes.
pub(super) fn action(value: &str) -> Rule<bool> {
    match value.trim().to_lowercase().as_str() {
        "" => Ok(false),
        "delete" | "削除" => Ok(true),
        _ => Err((
            Code::InvalidAction,
            format!(
                "操作「{value}」は使えません。空欄か delete（削除）にしてください (action must be empty or delete)"
            ),
        )),
    }
}

/// `role`: English or Japanese role names.
pub(super) fn role(value: &str) -> Rule<Role> {
    if value.trim().is_empty() {
        return Err((
            Code::Required,
            "権限を入力してください (role is required)".to_owned(),
        ));
    }
    value.parse().map_err(|_| {
        (
            Code::InvalidRole,
            format!("権限「{value}」は使えません。admin（管理者）、manager（受講管理者）、editor（編集者）、learner（受講者）のいずれかにしてください (unknown role)"),
        )
    })
}

/// `status`: English or Japanese status names.
pub(super) fn status(value: &str) -> Rule<Status> {
    if value.trim().is_empty() {
        return Err((
            Code::Required,
            "状態を入力してください (status is required)".to_owned(),
        ));
    }
    value.parse().map_err(|_| {
        (
            Code::InvalidStatus,
            format!("状態「{value}」は使えません。active（有効）か disabled（無効）にしてください (unknown status)"),
        )
    })
}

/// `groups`: names separated by `;` or `；`, trimmed, without empties and repeats.
pub(super) fn groups(value: &str) -> Rule<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for name in value.split([';', '；']) {
        // A path's parts, also split by a full-width ／ (as an IME types
        // it), trimmed: 「総務部 ／ 人事課」 is 総務部/人事課, not a new group.
        let name = name
            .split(['/', '／'])
            .map(|part| part.trim_matches(|c: char| c.is_whitespace()))
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        if !name.is_empty() && !names.contains(&name) {
            names.push(text(&name, &GROUP)?);
        }
    }
    Ok(names)
}

/// The rules of a free-text cell.
pub(super) struct Text {
    /// Its name in messages, Japanese and English.
    what: (&'static str, &'static str),
    /// Longest, in characters.
    max: usize,
    /// LF and tab allowed.
    multiline: bool,
    /// Must not be blank.
    required: bool,
}

pub(super) const NAME: Text = Text {
    what: ("氏名", "name"),
    max: MAX_NAME,
    multiline: false,
    required: true,
};
/// A name in an import row: may be blank for a user whose name is blank
/// (one the HR format created), which the import plan checks.
pub(super) const IMPORTED_NAME: Text = Text {
    required: false,
    ..NAME
};
pub(super) const GROUP: Text = Text {
    what: ("グループ名", "group name"),
    max: MAX_GROUP,
    multiline: false,
    required: false,
};
pub(super) const REMARKS: Text = Text {
    what: ("備考", "remarks"),
    max: MAX_REMARKS,
    multiline: true,
    required: false,
};

/// A free-text cell: at most `max` characters, no private-use characters, no
/// control characters (but LF and tab where `multiline`), not blank where
/// `required`.
pub(super) fn text(value: &str, rules: &Text) -> Rule<String> {
    let Text {
        what: (what, english),
        max,
        multiline,
        required,
    } = *rules;
    if required && value.trim().is_empty() {
        return Err((
            Code::Required,
            format!("{what}を入力してください ({english} is required)"),
        ));
    }
    let control = |c: char| {
        (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
            && !(multiline && matches!(c, '\n' | '\t'))
    };
    if value.chars().any(control) {
        let allowed = if multiline {
            "改行とタブ以外の"
        } else {
            "改行やタブなどの"
        };
        return Err((
            Code::ControlCharacter,
            format!("{what}に{allowed}制御文字は使えません (control character)"),
        ));
    }
    if let Some(c) = value.chars().find(|&c| private_use(c)) {
        return Err((
            Code::PrivateUseCharacter,
            format!(
                "{what}に外字（U+{:04X}）があります。ほかのパソコンでは正しく表示されないため、通常の文字に置き換えてください (private-use character)",
                u32::from(c)
            ),
        ));
    }
    let length = value.chars().count();
    if length > max {
        return Err((
            Code::TooLong,
            format!("{what}は {max} 文字以内にしてください（{length} 文字あります） (too long)"),
        ));
    }
    Ok(value.to_owned())
}

/// A private-use (外字) code point.
pub(super) fn private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_paths_take_a_full_width_slash_and_spaces_as_typed() {
        assert_eq!(
            super::groups("総務部／人事課; 総務部 / 人事課 ；財政課/;"),
            Ok(vec!["総務部/人事課".to_owned(), "財政課".to_owned()])
        );
    }

    #[test]
    fn role_and_status_names() {
        for (text, role) in [
            ("admin", Role::Admin),
            ("管理者", Role::Admin),
            ("受講管理者", Role::Manager),
            ("Editor", Role::Editor),
            ("編集者", Role::Editor),
            ("受講者", Role::Learner),
        ] {
            assert_eq!(super::role(text), Ok(role));
        }
        assert_eq!("有効".parse(), Ok(Status::Active));
        assert_eq!("DISABLED".parse(), Ok(Status::Disabled));
        assert_eq!(
            super::status(""),
            Err((
                Code::Required,
                "状態を入力してください (status is required)".into()
            ))
        );
    }
}
