//! Tests of the whole layer, bytes to typed rows: fixtures generated here in
//! every encoding and line-end style, bad files, and the property that an
//! export read back as an import gives the same users.

use super::*;
use domain::{Email, Role};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// `text` in Shift_JIS as Windows writes it (no neutralising or quoting).
fn sjis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

/// A file's text in every encoding the import reads, with LF and CRLF.
fn every_encoding(text: &str) -> Vec<(Vec<u8>, Encoding)> {
    let lf = text.replace("\r\n", "\n");
    let crlf = lf.replace('\n', "\r\n");
    let mut files = Vec::new();
    for text in [lf, crlf] {
        let bom = [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat();
        files.push((text.as_bytes().to_vec(), Encoding::Utf8));
        files.push((bom, Encoding::Utf8Bom));
        files.push((sjis(&text), Encoding::ShiftJis));
    }
    files
}

fn user(
    email: &str,
    name: &str,
    role: Role,
    status: Status,
    groups: &[&str],
    remarks: &str,
) -> UserRecord {
    UserRecord {
        email: Email::parse(email).unwrap(),
        name: name.to_owned(),
        role,
        status,
        groups: groups.iter().map(|&g| g.to_owned()).collect(),
        remarks: remarks.to_owned(),
    }
}

/// An HR system's file as Excel leaves it: Japanese header, CP932's NEC and
/// IBM characters, a quoted line break, `="0123"`, trailing empty columns
/// and blank lines (`,,,,,` included).
const STANDARD_FIXTURE: &str = "メールアドレス,氏名,権限,状態,グループ,備考,,\n\
    takahashi@city.example.jp,髙橋 﨑子,受講者,有効,総務部;人事課,\"①平成㍻元年入庁\n㈱より出向\",,\n\
    \n\
    ＹＡＭＡＤＡ＠ＣＩＴＹ．ＥＸＡＭＰＬＥ．ＪＰ,ﾔﾏﾀﾞ ﾀﾛｳ,admin,disabled,=\"0123\",\"彼は\"\"課長\"\"\",,\n\
    ,,,,,,,\n\
    suzuki@city.example.jp , 鈴木 一郎 ,editor,active,,'=1+2,,\n";

#[test]
fn a_standard_file_reads_the_same_in_every_encoding() {
    let want = vec![
        StandardRow {
            row: 2,
            action: StandardAction::Upsert(user(
                "takahashi@city.example.jp",
                "髙橋 﨑子",
                Role::Learner,
                Status::Active,
                &["総務部", "人事課"],
                "①平成㍻元年入庁\n㈱より出向",
            )),
        },
        StandardRow {
            row: 4,
            action: StandardAction::Upsert(user(
                "yamada@city.example.jp",
                "ﾔﾏﾀﾞ ﾀﾛｳ",
                Role::Admin,
                Status::Disabled,
                &["0123"],
                "彼は\"課長\"",
            )),
        },
        StandardRow {
            row: 6,
            action: StandardAction::Upsert(user(
                "suzuki@city.example.jp",
                "鈴木 一郎",
                Role::Editor,
                Status::Active,
                &[],
                "=1+2",
            )),
        },
    ];
    for (bytes, encoding) in every_encoding(STANDARD_FIXTURE) {
        let import = read_standard(&bytes).unwrap();
        assert_eq!(import.encoding, encoding);
        assert_eq!(import.mapped.errors, [], "{encoding}");
        assert_eq!(import.mapped.rows, want, "{encoding}");
    }
}

#[test]
fn an_hr_file_reads_the_same_in_every_encoding() {
    let text = "メールアドレス,備考\n\"a@x.jp\",\"㈱髙島屋へ出向\n(令和７年４月～)\"\n\nｂ＠ｘ．ｊｐ,ｶﾀｶﾅ,,,\n";
    for (bytes, encoding) in every_encoding(text) {
        let import = read_hr(&bytes).unwrap();
        assert_eq!(import.encoding, encoding);
        let rows: Vec<(usize, &str, &str)> = import
            .mapped
            .rows
            .iter()
            .map(|r| (r.row, r.email.as_str(), r.remarks.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (2, "a@x.jp", "㈱髙島屋へ出向\n(令和７年４月～)"),
                (4, "b@x.jp", "ｶﾀｶﾅ")
            ],
            "{encoding}"
        );
    }
}

#[test]
fn bad_rows_are_reported_at_the_same_rows_in_every_encoding() {
    let text = "email,remarks\n\"x@y.jp\",\"複数行の\n備考\"\nbad-address,①\n\nx@y.jp,重複\n\"z@y.jp\",ベル\u{7}\n";
    for (bytes, encoding) in every_encoding(text) {
        let import = read_hr(&bytes).unwrap();
        let errors: Vec<(usize, &str, Code)> = import
            .mapped
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.code))
            .collect();
        assert_eq!(
            errors,
            [
                (3, "email", Code::InvalidEmail),
                (5, "email", Code::DuplicateEmail),
                (6, "remarks", Code::ControlCharacter),
            ],
            "{encoding}"
        );
        assert_eq!(import.mapped.rows.len(), 1);
    }
}

#[test]
fn unreadable_files_fail_as_a_whole_with_a_row() {
    let problems = |bytes: &[u8]| {
        let e = read_standard(bytes).unwrap_err();
        e.problems()
            .into_iter()
            .map(|p| (p.row, p.code))
            .collect::<Vec<_>>()
    };
    let mut bytes = sjis("email,remarks\r\n\"a@x.jp\",\"①\r\n②\"\r\nb@x.jp,");
    bytes.extend_from_slice(&[0x85, 0x40]);
    assert_eq!(problems(&bytes), [(3, Code::InvalidEncoding)]);
    assert_eq!(problems(b"\xFF\xFEe\0"), [(1, Code::Utf16)]);
    assert_eq!(
        problems(b"email\n\"a@x.jp\n"),
        [(2, Code::UnterminatedQuote)]
    );
    assert_eq!(problems(b""), [(1, Code::EmptyFile)]);
    assert_eq!(problems("\n\n".as_bytes()), [(1, Code::EmptyFile)]);
    let e = read_standard(b"email,name,role,status,groups,remarks,phone\n").unwrap_err();
    assert_eq!(e.problems()[0].code, Code::UnknownColumn);
    assert!(e.to_string().contains("「phone」（G 列）"), "{e}");
}

/// Characters users' cells are drawn from: kanji (with CP932's NEC and IBM
/// ones), kana, half-width kana, ASCII with the CSV specials, formula
/// triggers and the neutralising quote.
const POOL_SJIS: &[&str] = &[
    "山", "田", "髙", "﨑", "①", "㈱", "㍻", "～", "あ", "ア", "ｶ", "ﾀ", "ﾞ", "ﾟ", "a", "Z", "0",
    " ", "　", ",", "\"", "'", "=", "+", "-", "@", ";", "\\",
];
/// More that only UTF-8 can hold.
const POOL_UTF8_ONLY: &[&str] = &["𠮷", "〜", "¥", "−", "😀", "é", "\u{3099}"];
const TRIGGERS: &[&str] = &["=", "+", "-", "@", "'", "'=", "''-", "=\"0\""];

fn random_text(rng: &mut StdRng, pool: &[&str], max: usize) -> String {
    let mut text: String = (0..rng.random_range(1..=max))
        .map(|_| *pool.choose(rng).unwrap())
        .collect();
    if rng.random_bool(0.3) {
        text.insert_str(0, TRIGGERS.choose(rng).unwrap());
    }
    text
}

fn random_user(rng: &mut StdRng, i: usize, pool: &[&str]) -> UserRecord {
    let local: String = (0..rng.random_range(1..6))
        .map(|_| {
            *["a", "b", "0", "_", "+", "=", "-", "'", "@"]
                .choose(rng)
                .unwrap()
        })
        .collect();
    let email = format!("{}{i}@city{}.example.jp", local.replace('@', "x"), i % 3);
    let mut name = random_text(rng, pool, 12);
    if name.trim().is_empty() {
        name.push('名');
    }
    let mut groups: Vec<String> = Vec::new();
    for _ in 0..rng.random_range(0..3) {
        let group = random_text(rng, pool, 6).replace(';', "");
        let group = group.trim().to_owned();
        if !group.is_empty() && !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut remarks = String::new();
    if rng.random_bool(0.8) {
        remarks = random_text(rng, pool, 20);
        for _ in 0..rng.random_range(0..3) {
            let at = remarks.char_indices().map(|(i, _)| i).collect::<Vec<_>>();
            let at = *at.choose(rng).unwrap();
            remarks.insert(at, *['\n', '\t'].choose(rng).unwrap());
        }
    }
    UserRecord {
        email: Email::parse(&email).unwrap(),
        name,
        role: *Role::ALL.choose(rng).unwrap(),
        status: *[Status::Active, Status::Disabled].choose(rng).unwrap(),
        groups,
        remarks,
    }
}

fn export(users: &[UserRecord], japanese: bool) -> Vec<Vec<String>> {
    let header = Column::STANDARD.map(if japanese {
        Column::japanese
    } else {
        Column::english
    });
    std::iter::once(header.map(str::to_owned).to_vec())
        .chain(users.iter().map(|u| u.to_cells().to_vec()))
        .collect()
}

/// Export → import is the identity, in both encodings, for 2,000 random
/// files (seeded, so a failure reproduces).
#[test]
fn export_then_import_gives_the_same_users() {
    let utf8_pool: Vec<&str> = POOL_SJIS.iter().chain(POOL_UTF8_ONLY).copied().collect();
    let mut rng = StdRng::seed_from_u64(0x6d61_6e61_6269);
    for round in 0..2000 {
        let shift_jis = round % 2 == 0;
        let pool = if shift_jis { POOL_SJIS } else { &utf8_pool[..] };
        let users: Vec<UserRecord> = (0..rng.random_range(1..8))
            .map(|i| random_user(&mut rng, i, pool))
            .collect();
        let table = export(&users, rng.random_bool(0.5));
        let encoding = if shift_jis {
            Encoding::ShiftJis
        } else {
            Encoding::Utf8Bom
        };
        let bytes = encode(&table, encoding).unwrap();
        let import = read_standard(&bytes).unwrap();
        assert_eq!(import.encoding, encoding, "round {round}");
        assert_eq!(import.mapped.errors, [], "round {round}: {users:?}");
        let back: Vec<UserRecord> = import
            .mapped
            .rows
            .into_iter()
            .map(|r| match r.action {
                StandardAction::Upsert(user) => user,
                StandardAction::Delete(email) => panic!("{email} read as delete"),
            })
            .collect();
        assert_eq!(back, users, "round {round}");
    }
}

#[test]
fn shift_jis_export_reports_every_character_it_cannot_hold() {
    let mut users = vec![user(
        "a@x.jp",
        "𠮷田",
        Role::Learner,
        Status::Active,
        &[],
        "",
    )];
    users.push(user(
        "b@x.jp",
        "髙橋",
        Role::Learner,
        Status::Active,
        &["〜課"],
        "¥−",
    ));
    let e = encode(&export(&users, true), Encoding::ShiftJis).unwrap_err();
    let found: Vec<(usize, usize, char)> =
        e.0.iter().map(|u| (u.row, u.column, u.character)).collect();
    assert_eq!(
        found,
        [(2, 2, '𠮷'), (3, 5, '〜'), (3, 6, '¥'), (3, 6, '−')]
    );
    // The same users go out in UTF-8 and come back unchanged.
    let bytes = encode(&export(&users, true), Encoding::Utf8Bom).unwrap();
    let rows = read_standard(&bytes).unwrap().mapped.rows;
    assert_eq!(rows.len(), 2);
}

/// A 100,000-row Shift_JIS HR file through decode → parse → map. A check to
/// run by hand (`cargo test --release -p catalog csvfile::tests::hr_100k --
/// --ignored --nocapture`), not a timing test.
#[test]
#[ignore = "run by hand in release: prints the time for 100,000 rows"]
fn hr_100k_rows_shift_jis() {
    let mut text = String::from("メールアドレス,備考\r\n");
    for i in 0..100_000 {
        text.push_str(&format!(
            "shokuin{i:06}@city.example.jp,\"総務部人事課 髙橋 ① ㈱ ｶﾀｶﾅ {i}\"\r\n"
        ));
    }
    let bytes = sjis(&text);
    let started = std::time::Instant::now();
    let import = read_hr(&bytes).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(import.mapped.rows.len(), 100_000);
    assert_eq!(import.mapped.errors, []);
    println!(
        "100,000 rows, {} KiB Shift_JIS: decode + parse + map in {elapsed:?}",
        bytes.len() / 1024
    );
}
