//! The Japanese manuals (`docs/ja/*.md`) are kept true by this test: it
//! fails, naming the file and the line, when a manual refers to something
//! the product no longer has. One function per rule:
//!
//! - [`screenshot_problems`]: an image `![…](screenshots/NAME.png)` that the
//!   browser test does not take (`shoot(…, 'NAME.png')` in
//!   `player/tests/e2e.mjs`, or its final `player.png`); any other image;
//! - [`route_problems`]: a route written `` `GET /api/v1/…` `` (any method)
//!   that is not a path and method of `catalog/openapi.json` (`{id}`-style
//!   parameters match any segment at their position);
//! - [`path_problems`]: a bare path or URL (`` `/api/v1/…` ``, `/readyz`,
//!   `http://…/metrics` in a code block) that is no route for any method;
//! - [`command_problems`]: a command `` `manabi SUBCOMMAND …` `` (also in a
//!   code block, `target/release/manabi …` included) whose subcommand, or
//!   one of whose `--options`, the real binary's `--help` does not list;
//! - [`config_problems`]: a configuration key `` `section.key` ``, a
//!   section `` `[section]` `` or a key in a ```` ```toml ```` block that is
//!   not in `config/default.toml`. A dotted name that is not a key must be a
//!   file name (`catalog.db`) or an audit action the catalog records
//!   (`"user.update"` in `catalog/src`), so a renamed section is caught too;
//! - [`file_problems`]: a repository file `` `tests/e2e/backups.rs` `` or a
//!   test `` `tests/e2e/backups.rs::a_backup_taken_while_serving_…` `` (a
//!   `fn` or `function` of that name) that does not exist — what the
//!   traceability table cites; build outputs (`.gitignore`) are not checked;
//! - [`env_problems`]: an environment variable `` `MANABI_…` `` (also in a
//!   code block) that maps to no key (`MANABI_SECTION__KEY`, or
//!   `MANABI_DATA_DIR` for a top-level key).
//!
//! And [`the_operations_manual_lists_every_key`]: every key of
//! `config/default.toml` has its row, with its variable, in the operations
//! manual; [`the_operations_manual_explains_every_error_code`]: so has every
//! error code of the API (`domain/src/error_code.rs`);
//! [`the_operations_manual_names_every_command_and_option`]: and every
//! subcommand and option of the binary's `--help`.
//!
//! Code spans are read outside code blocks; inside ```` ``` ```` blocks
//! each line is read as a shell line (commands, variables, URLs), and
//! ```` ```toml ```` blocks as configuration.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository root (this package's directory).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Everything the manuals may refer to, read from the repository and the binary.
struct Facts {
    /// Screenshot file names the browser test saves.
    screenshots: BTreeSet<String>,
    /// `(METHOD, path)` of every route in the OpenAPI document.
    routes: Vec<(String, String)>,
    /// The configuration: every key and section, dotted (`backup.daily_at`,
    /// `network.sites`, `data_dir`).
    config: Config,
    /// Dotted string literals of the catalog's sources (audit actions such as
    /// `user.update`, file names).
    literals: BTreeSet<String>,
    /// The binary's help texts.
    cli: Cli,
    /// The repository, for the files and tests the manuals cite.
    repo: Repo,
}

impl Facts {
    fn load() -> Facts {
        let root = root();
        let read = |rel: &str| {
            std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
        };
        Facts {
            screenshots: screenshots_of(&read("player/tests/e2e.mjs")),
            routes: routes_of(&read("catalog/openapi.json")),
            config: Config::parse(&read("config/default.toml")),
            literals: dotted_literals(&root.join("catalog/src")),
            cli: Cli::of(PathBuf::from(env!("CARGO_BIN_EXE_manabi"))),
            repo: Repo::at(&root),
        }
    }
}

// ---------------------------------------------------------------------------
// What exists

/// The names in `shoot(page, 'NAME.png')` calls, and `player.png` (saved by
/// the end of the browser test's main journey).
fn screenshots_of(e2e: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::from(["player.png".to_owned()]);
    for (at, _) in e2e.match_indices("shoot(") {
        let call = &e2e[at..];
        let call = &call[..call.find(')').unwrap_or(call.len())];
        for quote in ['\'', '"', '`'] {
            let mut parts = call.split(quote);
            if let (Some(_), Some(name)) = (parts.next(), parts.next())
                && name.ends_with(".png")
            {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// Every `(METHOD, path)` of an OpenAPI document.
fn routes_of(openapi: &str) -> Vec<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(openapi).expect("catalog/openapi.json is JSON");
    let paths = doc["paths"].as_object().expect("openapi.json has paths");
    let mut routes = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item is an object").keys() {
            if METHODS.contains(&method.to_uppercase().as_str()) {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// The keys and sections of `config/default.toml`, read line by line:
/// `[section]`, `[[section.table]]`, `key = …`, and the commented example
/// of an array of tables (`# [[network.sites]]` followed by `# name = …`).
struct Config {
    names: BTreeSet<String>,
}

impl Config {
    fn parse(toml: &str) -> Config {
        let mut names = BTreeSet::new();
        let mut section: Option<String> = None;
        let mut example: Option<String> = None;
        for line in toml.lines() {
            let line = line.trim();
            if let Some(comment) = line.strip_prefix('#') {
                let comment = comment.trim();
                if let Some(table) = table_header(comment) {
                    names.insert(table.clone());
                    example = Some(table);
                } else if let (Some(table), Some(key)) = (&example, key_of(comment)) {
                    names.insert(format!("{table}.{key}"));
                }
                continue;
            }
            example = None;
            if let Some(table) = table_header(line) {
                names.insert(table.clone());
                section = Some(table);
            } else if let Some(key) = key_of(line) {
                names.insert(match &section {
                    Some(s) => format!("{s}.{key}"),
                    None => key.to_owned(),
                });
            }
        }
        Config { names }
    }

    fn has(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// `section` of a `[section]` or `[[section]]` line.
fn table_header(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(inner);
    let inner = inner.trim();
    (!inner.is_empty() && inner.split('.').all(is_ident)).then(|| inner.to_owned())
}

/// `key` of a `key = value` line.
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    is_ident(key).then_some(key)
}

/// A lower-case TOML bare key: `a-z`, digits and `_`, starting with a letter.
fn is_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Dotted string literals (`"user.update"`, `"catalog.db"`) in the Rust
/// files below `dir`.
fn dotted_literals(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("reading catalog/src") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("reading a source file");
                for literal in text.split('"').skip(1).step_by(2) {
                    if is_dotted(literal) {
                        found.insert(literal.to_owned());
                    }
                }
            }
        }
    }
    found
}

/// `a.b` or `a.b.c`, each part a bare key.
fn is_dotted(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| is_ident(p))
}

/// The binary's `--help` for a subcommand path, asked once each.
struct Cli {
    bin: Option<PathBuf>,
    helps: RefCell<BTreeMap<Vec<String>, Option<String>>>,
}

impl Cli {
    fn of(bin: PathBuf) -> Cli {
        Cli {
            bin: Some(bin),
            helps: RefCell::new(BTreeMap::new()),
        }
    }

    /// `manabi PATH… --help`, or `None` when the binary refuses it.
    fn help(&self, path: &[&str]) -> Option<String> {
        let key: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        if let Some(known) = self.helps.borrow().get(&key) {
            return known.clone();
        }
        let answer = self.bin.as_ref().and_then(|bin| {
            let out = std::process::Command::new(bin)
                .args(path)
                .arg("--help")
                .output()
                .expect("running manabi --help");
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        });
        self.helps.borrow_mut().insert(key, answer.clone());
        answer
    }
}

/// The subcommands a help text lists under `Commands:`.
fn subcommands(help: &str) -> BTreeSet<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The repository's files as the manuals may cite them.
struct Repo {
    root: PathBuf,
    /// Its top-level entries (`tests`, `catalog`, `player`, …).
    tops: BTreeSet<String>,
    /// Build outputs, from the anchored lines of `.gitignore` (`target`,
    /// `player/dist`), and `docs/ja/build`: not in a fresh checkout.
    built: Vec<String>,
}

impl Repo {
    fn at(root: &Path) -> Repo {
        let tops = std::fs::read_dir(root)
            .expect("reading the repository")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| !name.starts_with('.'))
            .collect();
        let ignore = std::fs::read_to_string(root.join(".gitignore")).unwrap_or_default();
        let mut built: Vec<String> = ignore
            .lines()
            .filter_map(|l| l.trim().strip_prefix('/'))
            .map(|l| {
                l.split('*')
                    .next()
                    .unwrap_or(l)
                    .trim_end_matches('/')
                    .to_owned()
            })
            .collect();
        built.push("docs/ja/build".to_owned());
        Repo {
            root: root.to_path_buf(),
            tops,
            built,
        }
    }

    /// The text of a repository file, or `None`.
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join(path)).ok()
    }

    fn exists(&self, path: &str) -> bool {
        self.root.join(path).exists()
    }
}

// ---------------------------------------------------------------------------
// The rules. Each takes one line (or one code span) and says what is wrong.

/// Images must be screenshots the browser test takes.
fn screenshot_problems(line: &str, screenshots: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("![") {
        rest = &rest[at + 2..];
        let Some(close) = rest.find("](") else { break };
        let target = &rest[close + 2..];
        let Some(end) = target.find(')') else { break };
        let target = target[..end].split_whitespace().next().unwrap_or("");
        match target.strip_prefix("screenshots/") {
            Some(name) if screenshots.contains(name) => {}
            Some(name) => problems.push(format!(
                "screenshot `{name}` is not taken by the browser test \
                 (no shoot(…, '{name}') in player/tests/e2e.mjs)"
            )),
            None => problems.push(format!(
                "image `{target}`: only screenshots/NAME.png from the browser test may be shown"
            )),
        }
        rest = &rest[close..];
    }
    problems
}

/// Does `path` (as written in a manual) match the OpenAPI path `pattern`?
/// Parameters (`{id}`) match one segment at their position; a last
/// parameter `{path}` matches the rest.
fn path_matches(path: &str, pattern: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let got: Vec<&str> = path.split('/').collect();
    let want: Vec<&str> = pattern.split('/').collect();
    let param = |s: &str| s.starts_with('{') && s.ends_with('}');
    let rest_param = want.last() == Some(&"{path}") && got.len() > want.len();
    if got.len() != want.len() && !rest_param {
        return false;
    }
    want.iter()
        .zip(&got)
        .all(|(w, g)| w == g || (param(w) && !g.is_empty()))
}

/// A code span `METHOD /path` (also `GET/POST /path`) must be a route of
/// the OpenAPI document with that method.
fn route_problems(span: &str, routes: &[(String, String)]) -> Vec<String> {
    let Some((methods, path)) = route_of(span) else {
        return Vec::new();
    };
    methods
        .into_iter()
        .filter(|m| {
            !routes
                .iter()
                .any(|(rm, rp)| rm == m && path_matches(path, rp))
        })
        .map(|m| format!("route `{m} {path}` is not in catalog/openapi.json"))
        .collect()
}

/// The methods and path of a span `METHOD /path` or `GET/POST /path`.
fn route_of(span: &str) -> Option<(Vec<&str>, &str)> {
    let mut words = span.split_whitespace();
    let (methods, path) = (words.next()?, words.next()?);
    let methods: Vec<&str> = methods.split('/').collect();
    (path.starts_with('/') && methods.iter().all(|m| METHODS.contains(m)))
        .then_some((methods, path))
}

/// A bare path (`/api/v1/…`, `/readyz`) or a URL's path, wherever its first
/// segment is one the routes use, must be a route for some method.
fn path_problems(text: &str, routes: &[(String, String)]) -> Vec<String> {
    let firsts: BTreeSet<&str> = routes
        .iter()
        .filter_map(|(_, p)| p.split('/').nth(1))
        .collect();
    let mut problems = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "\"'`<>()".contains(c)) {
        let path = match word.find("://") {
            Some(at) => match word[at + 3..].find('/') {
                Some(slash) => &word[at + 3 + slash..],
                None => continue,
            },
            None if word.starts_with('/') => word,
            None => continue,
        };
        let path = path.trim_end_matches(['.', ',', ';', ':']);
        let first = path.split('/').nth(1).unwrap_or("");
        let first = first.split(['?', '#']).next().unwrap_or("");
        if first.is_empty() || !firsts.contains(first) {
            continue;
        }
        // `/media/` ending in a slash: the routes below it.
        let below = |p: &str| path.ends_with('/') && p.starts_with(path);
        if !routes
            .iter()
            .any(|(_, p)| path_matches(path, p) || below(p))
        {
            problems.push(format!("path `{path}` is no route of catalog/openapi.json"));
        }
    }
    problems
}

/// The words of a shell line that follow a `manabi` program (`manabi`,
/// `target/release/manabi`, `ExecStart=/usr/bin/manabi`), after any
/// `sudo` and `VAR=value` prefixes; `None` when the line runs something else.
fn manabi_args(line: &str) -> Option<Vec<&str>> {
    let line = line.split(" #").next().unwrap_or(line).trim();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    let mut words = line.split_whitespace();
    for word in words.by_ref() {
        // `VAR=value` is a prefix; `ExecStart=/usr/bin/manabi` a path after `=`.
        let variable = word.split_once('=').is_some_and(|(name, _)| {
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
        let program = match word.split_once('=') {
            _ if variable => "",
            Some((_, value)) if value.contains('/') => value,
            Some(_) => "",
            None => word,
        };
        if program == "manabi" || program.ends_with("/manabi") {
            return Some(words.collect());
        }
        if word != "sudo" && word != "exec" && !variable {
            return None;
        }
    }
    None
}

/// `manabi SUBCOMMAND [SUBCOMMAND] --option…` must name a subcommand and
/// options the binary's `--help` lists.
fn command_problems(args: &[&str], cli: &Cli) -> Vec<String> {
    let Some(top) = cli.help(&[]) else {
        return vec!["manabi --help failed".to_owned()];
    };
    let words: Vec<&str> = args
        .iter()
        .flat_map(|w| w.trim_matches(|c| "[]()`".contains(c)).split('|'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    while i < words.len() && words[i].starts_with('-') {
        i += if words[i] == "--config" { 2 } else { 1 };
    }
    // `manabi <COMMAND>` or prose such as `manabi 研修動画` names no subcommand.
    let Some(&sub) = words.get(i).filter(|w| {
        w.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }) else {
        return Vec::new();
    };
    if !subcommands(&top).contains(sub) {
        return vec![format!(
            "`manabi {sub}`: the binary has no such subcommand (manabi --help)"
        )];
    }
    let mut path = vec![sub];
    let mut help = cli.help(&path).unwrap_or_default();
    let nested = subcommands(&help);
    if !nested.is_empty() {
        match words.get(i + 1) {
            Some(&next) if nested.contains(next) => {
                path.push(next);
                help = cli.help(&path).unwrap_or_default();
            }
            Some(&next) if !next.starts_with('-') => {
                return vec![format!(
                    "`manabi {sub} {next}`: no such subcommand (manabi {sub} --help)"
                )];
            }
            _ => {}
        }
    }
    let listed = |option: &str| {
        help.match_indices(option).any(|(at, _)| {
            !help[at + option.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
        })
    };
    words[i..]
        .iter()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.split('=').next().unwrap_or(w))
        .filter(|option| *option != "--help" && !listed(option))
        .map(|option| {
            format!(
                "`manabi {}`: no option {option} (its --help)",
                path.join(" ")
            )
        })
        .collect()
}

/// File name endings that make a dotted name a file, not a key.
const FILE_ENDINGS: [&str; 22] = [
    "db", "csv", "zip", "txt", "md", "toml", "json", "js", "mjs", "ts", "rs", "sh", "mbk",
    "sha256", "pem", "png", "vtt", "srt", "m3u8", "mp4", "html", "pdf",
];

/// A code span naming configuration: `section.key`, `[section]`,
/// `[section] key = …`. A dotted name that is no key must be a file name or
/// an audit action of the catalog.
fn config_problems(span: &str, config: &Config, literals: &BTreeSet<String>) -> Vec<String> {
    let span = span.trim();
    if let Some(table) = table_header(span.split_whitespace().next().unwrap_or("")) {
        if !config.has(&table) {
            return vec![format!("section `[{table}]` is not in config/default.toml")];
        }
        let rest = span
            .split_once(']')
            .map(|(_, r)| r.trim_start_matches(']'))
            .unwrap_or("");
        return match key_of(rest.trim()) {
            Some(key) if !config.has(&format!("{table}.{key}")) => {
                vec![format!("key `{table}.{key}` is not in config/default.toml")]
            }
            _ => Vec::new(),
        };
    }
    if !is_dotted(span) || config.has(span) || literals.contains(span) {
        return Vec::new();
    }
    let ending = span.rsplit('.').next().unwrap_or("");
    if FILE_ENDINGS.contains(&ending) {
        return Vec::new();
    }
    vec![format!(
        "`{span}` is not a key of config/default.toml (nor a file name or an audit action)"
    )]
}

/// A `key = value` line of a ```` ```toml ```` block in `section`.
fn toml_line_problems(section: Option<&str>, line: &str, config: &Config) -> Vec<String> {
    let Some(key) = key_of(line.trim()) else {
        return Vec::new();
    };
    let name = match section {
        Some(s) => format!("{s}.{key}"),
        None => key.to_owned(),
    };
    if config.has(&name) {
        Vec::new()
    } else {
        vec![format!("key `{name}` is not in config/default.toml")]
    }
}

/// A code span naming a repository file (`tests/e2e/backups.rs`,
/// `player/tests/`) must name one that exists, and `FILE::NAME` a file with
/// a `fn NAME` or `function NAME` in it.
fn file_problems(span: &str, repo: &Repo) -> Vec<String> {
    let (path, name) = match span.split_once("::") {
        Some((path, name)) => (path, Some(name)),
        None => (span, None),
    };
    let relative = path.contains('/')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
        && repo.tops.contains(path.split('/').next().unwrap_or(""));
    if !relative || repo.built.iter().any(|b| path.starts_with(b.as_str())) {
        return Vec::new();
    }
    let Some(text) = repo
        .read(path)
        .or_else(|| repo.exists(path).then(String::new))
    else {
        return vec![format!("`{path}` is not a file of the repository")];
    };
    let Some(name) = name else {
        return Vec::new();
    };
    let defines = |keyword: &str| {
        text.match_indices(&format!("{keyword} {name}"))
            .any(|(at, _)| {
                let after = &text[at + keyword.len() + 1 + name.len()..];
                after.starts_with(['(', '<', ' '])
            })
    };
    if defines("fn") || defines("function") {
        Vec::new()
    } else {
        vec![format!("`{path}` has no test or function `{name}`")]
    }
}

/// Every `MANABI_…` variable in the text must map to a key:
/// `MANABI_SECTION__KEY` → `section.key`, `MANABI_KEY` → a top-level key.
fn env_problems(text: &str, config: &Config) -> Vec<String> {
    let mut problems = Vec::new();
    for (at, _) in text.match_indices("MANABI_") {
        if text[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[at + "MANABI_".len()..];
        let len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        if name.is_empty() || rest[len..].starts_with(['<', '*', '…']) {
            continue;
        }
        let key = name.to_lowercase().replace("__", ".");
        if !config.has(&key) || key.split('.').count() > 2 {
            problems.push(format!(
                "environment variable `MANABI_{name}` sets no key of config/default.toml (`{key}`)"
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// Reading a manual

/// The code spans of a Markdown line (single or double backticks).
fn code_spans(line: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('`') {
        let ticks = rest[open..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[open..open + ticks];
        let body = &rest[open + ticks..];
        let Some(close) = body.find(fence) else { break };
        spans.push(body[..close].trim());
        rest = &body[close + ticks..];
    }
    spans
}

/// Every problem of one manual, as `file:line: problem`.
fn check(file: &str, text: &str, facts: &Facts) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fence: Option<String> = None;
    let mut toml_section: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let mut found = Vec::new();
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(info.trim().to_owned()),
            };
            toml_section = None;
            continue;
        }
        match fence.as_deref() {
            Some("toml") => {
                let line = line.split(" #").next().unwrap_or(line).trim();
                if line.starts_with('#') {
                    continue;
                }
                if let Some(table) = table_header(line) {
                    if !facts.config.has(&table) {
                        found.push(format!("section `[{table}]` is not in config/default.toml"));
                    }
                    toml_section = Some(table);
                } else {
                    found.extend(toml_line_problems(
                        toml_section.as_deref(),
                        line,
                        &facts.config,
                    ));
                }
            }
            Some(_) => {
                if let Some(args) = manabi_args(line) {
                    found.extend(command_problems(&args, &facts.cli));
                }
                found.extend(env_problems(line, &facts.config));
                found.extend(path_problems(line, &facts.routes));
            }
            None => {
                found.extend(screenshot_problems(line, &facts.screenshots));
                for span in code_spans(line) {
                    if route_of(span).is_some() {
                        found.extend(route_problems(span, &facts.routes));
                    } else {
                        found.extend(path_problems(span, &facts.routes));
                    }
                    if let Some(rest) = span.strip_prefix("manabi ") {
                        let args: Vec<&str> = rest.split_whitespace().collect();
                        found.extend(command_problems(&args, &facts.cli));
                    }
                    found.extend(config_problems(span, &facts.config, &facts.literals));
                    found.extend(file_problems(span, &facts.repo));
                    found.extend(env_problems(span, &facts.config));
                }
            }
        }
        problems.extend(found.into_iter().map(|p| format!("{file}:{}: {p}", n + 1)));
    }
    problems
}

/// `docs/ja/*.md`, sorted.
fn manuals() -> Vec<PathBuf> {
    let dir = root().join("docs/ja");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn manuals_refer_only_to_what_exists() {
    let facts = Facts::load();
    let mut problems = Vec::new();
    for path in manuals() {
        let text = std::fs::read_to_string(&path).expect("reading a manual");
        let name = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        problems.extend(check(&name, &text, &facts));
    }
    assert!(
        problems.is_empty(),
        "the manuals refer to what does not exist ({}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The four manuals issue 9 asks for are there (and `scripts/manuals.sh`
/// builds them).
#[test]
fn the_four_manuals_exist() {
    let names: Vec<String> = manuals()
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    for name in [
        "運用マニュアル",
        "操作マニュアル",
        "要件対応表",
        "アクセシビリティ",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "docs/ja/{name}.md is missing"
        );
    }
}

/// Every key of `config/default.toml` (not the commented examples) is in
/// the operations manual's tables, written as `` `section.key` `` with its
/// variable `` `MANABI_SECTION__KEY` `` (arrays: set in the file only).
#[test]
fn the_operations_manual_lists_every_key() {
    let toml = std::fs::read_to_string(root().join("config/default.toml")).expect("default.toml");
    let manual = std::fs::read_to_string(root().join("docs/ja/運用マニュアル.md"))
        .expect("docs/ja/運用マニュアル.md");
    let missing = missing_keys(&toml, &manual);
    assert!(
        missing.is_empty(),
        "docs/ja/運用マニュアル.md lacks: {}",
        missing.join(", ")
    );
}

/// Every error code of the API (`domain/src/error_code.rs`) has its row in
/// the operations manual's troubleshooting, written as `` `code` ``.
#[test]
fn the_operations_manual_explains_every_error_code() {
    let codes = std::fs::read_to_string(root().join("domain/src/error_code.rs"))
        .expect("domain/src/error_code.rs");
    let manual = std::fs::read_to_string(root().join("docs/ja/運用マニュアル.md"))
        .expect("docs/ja/運用マニュアル.md");
    let missing = missing_codes(&codes, &manual);
    assert!(
        !error_codes(&codes).is_empty(),
        "no error codes read from domain/src/error_code.rs"
    );
    assert!(
        missing.is_empty(),
        "docs/ja/運用マニュアル.md does not explain: {}",
        missing.join(", ")
    );
}

/// The codes as they appear in JSON: the `=> "code"` arms of `as_str`.
fn error_codes(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("ErrorCode::")?
                .split_once("=> \"")?
                .1
                .strip_suffix("\",")
        })
        .map(str::to_owned)
        .collect()
}

/// The codes of `source` that `manual` does not name.
fn missing_codes(source: &str, manual: &str) -> Vec<String> {
    error_codes(source)
        .into_iter()
        .filter(|code| !manual.contains(&format!("`{code}`")))
        .collect()
}

/// Every subcommand of the binary, and every option of each, is named in the
/// operations manual (`manabi SUBCOMMAND`, `--option`).
#[test]
fn the_operations_manual_names_every_command_and_option() {
    let cli = Cli::of(PathBuf::from(env!("CARGO_BIN_EXE_manabi")));
    let manual = std::fs::read_to_string(root().join("docs/ja/運用マニュアル.md"))
        .expect("docs/ja/運用マニュアル.md");
    let missing = unnamed_commands(&cli, &manual);
    assert!(
        missing.is_empty(),
        "docs/ja/運用マニュアル.md does not name: {}",
        missing.join(", ")
    );
}

/// The subcommands (`manabi user add`) and options (`manabi backup --to`)
/// of the binary that `manual` does not name.
fn unnamed_commands(cli: &Cli, manual: &str) -> Vec<String> {
    let mut missing = Vec::new();
    let mut paths: Vec<Vec<String>> = Vec::new();
    for sub in subcommands(&cli.help(&[]).unwrap_or_default()) {
        let nested = subcommands(&cli.help(&[sub.as_str()]).unwrap_or_default());
        if nested.is_empty() {
            paths.push(vec![sub.clone()]);
        }
        for next in nested.into_iter().filter(|n| n != "help") {
            paths.push(vec![sub.clone(), next]);
        }
    }
    for path in paths.iter().filter(|p| p[0] != "help") {
        let command = format!("manabi {}", path.join(" "));
        if !manual.contains(&command) {
            missing.push(format!("`{command}`"));
        }
        let words: Vec<&str> = path.iter().map(String::as_str).collect();
        for option in options(&cli.help(&words).unwrap_or_default()) {
            if !manual.contains(&option) {
                missing.push(format!("`{command} {option}`"));
            }
        }
    }
    missing
}

/// The long options a help text lists (`--to`), but `--help`.
fn options(help: &str) -> BTreeSet<String> {
    help.lines()
        .filter_map(|l| l.trim_start().trim_start_matches("-h, ").strip_prefix("--"))
        .filter_map(|rest| rest.split([' ', '=', '<']).next())
        .filter(|name| !name.is_empty() && *name != "help")
        .map(|name| format!("--{name}"))
        .collect()
}

/// The keys of `toml` (and their variables) that `manual` does not name.
fn missing_keys(toml: &str, manual: &str) -> Vec<String> {
    let mut section: Option<String> = None;
    let mut missing = Vec::new();
    for line in toml.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(table) = table_header(line) {
            section = Some(table);
            continue;
        }
        let Some(key) = key_of(line) else { continue };
        let name = section
            .as_ref()
            .map_or(key.to_owned(), |s| format!("{s}.{key}"));
        let variable = format!("MANABI_{}", name.to_uppercase().replace('.', "__"));
        let is_array = line
            .split_once('=')
            .is_some_and(|(_, v)| v.trim().starts_with('['));
        if !manual.contains(&format!("`{name}`")) {
            missing.push(format!("`{name}`"));
        }
        if !is_array && !manual.contains(&format!("`{variable}`")) {
            missing.push(format!("`{variable}`"));
        }
    }
    missing
}

// ---------------------------------------------------------------------------
// Each rule fails on a made-up bad line.

#[cfg(test)]
mod rules {
    use super::*;

    fn config() -> Config {
        Config::parse(
            "data_dir = \"./data\"\n[backup]\n# comment = 1\ndaily_at = \"02:30\"\n\
             [store]\nkind = \"local\"\n[network]\ntrusted_proxies = []\n\
             # [[network.sites]]\n# name = \"honcho\"\n# budget_mbps = 100\n\n[origin]\ncache_bytes = 1\n",
        )
    }

    fn routes() -> Vec<(String, String)> {
        routes_of(
            r#"{"paths": {"/api/v1/users/{id}": {"get": {}, "patch": {}},
                "/api/v1/export/{file}": {"get": {}}, "/readyz": {"get": {}},
                "/media/v/{video}/{token}/{path}": {"get": {}}}}"#,
        )
    }

    fn cli() -> Cli {
        let cli = Cli {
            bin: None,
            helps: RefCell::new(BTreeMap::new()),
        };
        let mut helps = cli.helps.borrow_mut();
        let top = "Usage: manabi <COMMAND>\n\nCommands:\n  serve  Run\n  user   Users\n  backup  Back up\n\nOptions:\n  --config <FILE>\n";
        helps.insert(vec![], Some(top.to_owned()));
        helps.insert(
            vec!["serve".into()],
            Some("Options:\n  --role <ROLE>\n  --catalog <URL>\n".into()),
        );
        helps.insert(
            vec!["backup".into()],
            Some("Options:\n  --config <FILE>\n".into()),
        );
        helps.insert(
            vec!["user".into()],
            Some("Commands:\n  add  Create\n\nOptions:\n".into()),
        );
        helps.insert(
            vec!["user".into(), "add".into()],
            Some("Options:\n  --email <E>\n  --password-stdin\n".into()),
        );
        drop(helps);
        cli
    }

    #[test]
    fn the_real_facts_are_read() {
        let facts = Facts::load();
        assert!(facts.screenshots.contains("player.png") && facts.screenshots.len() > 5);
        assert!(
            facts
                .routes
                .iter()
                .any(|(m, p)| m == "GET" && p == "/api/v1/users/{id}")
        );
        for key in [
            "data_dir",
            "backup.daily_at",
            "store.kind",
            "network.sites",
            "network.sites.budget_mbps",
        ] {
            assert!(facts.config.has(key), "{key}");
        }
        assert!(facts.literals.contains("user.update"));
        assert!(subcommands(&facts.cli.help(&[]).expect("manabi --help")).contains("serve"));
    }

    #[test]
    fn screenshots_the_test_does_not_take_are_found() {
        let shots =
            screenshots_of("await shoot(page, 'home.png');\nasync function shoot(page, name) {}");
        assert_eq!(
            shots,
            BTreeSet::from(["home.png".to_owned(), "player.png".to_owned()])
        );
        assert!(
            screenshot_problems(
                "![ホーム](screenshots/home.png) と ![再生](screenshots/player.png)",
                &shots
            )
            .is_empty()
        );
        let bad = screenshot_problems("1. ![ログイン画面](screenshots/login.png)", &shots);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].contains("login.png"));
        assert_eq!(
            screenshot_problems("![図](images/figure.png)", &shots).len(),
            1
        );
    }

    #[test]
    fn routes_that_do_not_exist_are_found() {
        let routes = routes();
        assert!(route_problems("GET /api/v1/users/{id}", &routes).is_empty());
        assert!(route_problems("GET/PATCH /api/v1/users/12", &routes).is_empty());
        assert!(
            route_problems("GET /api/v1/export/users.csv?encoding=shift_jis", &routes).is_empty()
        );
        assert_eq!(
            route_problems("DELETE /api/v1/users/{id}", &routes).len(),
            1
        );
        assert_eq!(
            route_problems("GET /api/v1/users/{id}/history", &routes).len(),
            1
        );
        assert!(route_problems("manabi serve", &routes).is_empty());
        assert!(path_problems("curl -s http://127.0.0.1:8080/readyz", &routes).is_empty());
        assert!(path_problems("/media/v/1/abc/720p/seg_00001.m4s", &routes).is_empty());
        assert_eq!(
            path_problems("curl http://127.0.0.1:8080/api/v1/health", &routes).len(),
            1
        );
        assert!(path_problems("/etc/manabi/manabi.toml", &routes).is_empty());
        assert!(path_problems("URLs below `/media/`", &routes).is_empty());
        assert_eq!(path_problems("URLs below `/media/x/`", &routes).len(), 1);
    }

    #[test]
    fn commands_and_options_that_do_not_exist_are_found() {
        let cli = cli();
        fn args(line: &str) -> Vec<&str> {
            manabi_args(line).expect("a manabi line")
        }
        assert!(
            command_problems(&args("manabi serve --role worker --catalog URL"), &cli).is_empty()
        );
        assert!(
            command_problems(
                &args("sudo MANABI_DATA_DIR=/x target/release/manabi --config f.toml backup"),
                &cli
            )
            .is_empty()
        );
        assert!(
            command_problems(
                &args("ExecStart=/usr/bin/manabi serve [--role all|catalog]"),
                &cli
            )
            .is_empty()
        );
        assert!(
            command_problems(&args("manabi user add --email E --password-stdin"), &cli).is_empty()
        );
        assert_eq!(command_problems(&args("manabi restart"), &cli).len(), 1);
        assert_eq!(
            command_problems(&args("manabi backup --to /mnt/backups"), &cli).len(),
            1
        );
        assert_eq!(
            command_problems(&args("manabi user remove --email E"), &cli).len(),
            1
        );
        assert!(command_problems(&args("manabi <no-reply@city.example.lg.jp>"), &cli).is_empty());
        assert!(manabi_args("MANABI_DATA_DIR=/srv/manabi cargo run").is_none());
        assert!(manabi_args("Description=manabi 研修動画サービス").is_none());
        assert!(manabi_args("cargo build --release").is_none());
        assert!(manabi_args("# manabi restart").is_none());
    }

    #[test]
    fn configuration_keys_that_do_not_exist_are_found() {
        let config = config();
        let literals = BTreeSet::from(["backup.take".to_owned()]);
        for good in [
            "backup.daily_at",
            "store.kind",
            "[backup]",
            "[store] kind = \"s3\"",
            "network.sites",
            "network.sites.budget_mbps",
            "catalog.db",
            "backup.take",
            "data_dir",
        ] {
            assert!(
                config_problems(good, &config, &literals).is_empty(),
                "{good}"
            );
        }
        for bad in [
            "backup.daily_time",
            "storage.kind",
            "[mirror]",
            "[store] bucket = \"x\"",
            "network.sites.cidr",
        ] {
            assert_eq!(config_problems(bad, &config, &literals).len(), 1, "{bad}");
        }
        assert!(!config.has("backup.comment"), "a commented key is no key");
        assert!(toml_line_problems(Some("network.sites"), "name = \"honcho\"", &config).is_empty());
        assert_eq!(
            toml_line_problems(Some("origin"), "cache_mb = 256", &config).len(),
            1
        );
    }

    #[test]
    fn a_key_the_operations_manual_lacks_is_found() {
        let toml =
            "data_dir = \"x\"\n[backup]\ndaily_at = \"02:30\"\n[network]\ntrusted_proxies = []\n";
        let manual = "| `data_dir` | `MANABI_DATA_DIR` |\n| `backup.daily_at` | |\n| `network.trusted_proxies` | |";
        assert_eq!(missing_keys(toml, manual), ["`MANABI_BACKUP__DAILY_AT`"]);
    }

    #[test]
    fn files_and_tests_that_do_not_exist_are_found() {
        let repo = Repo::at(&root());
        for good in [
            "tests/manuals.rs",
            "tests/manuals.rs::files_and_tests_that_do_not_exist_are_found",
            "tests/manuals.rs::root",
            "player/tests/",
            "target/release/manabi",
            "player/dist/",
            "{data_dir}/catalog.db",
            "/etc/manabi/manabi.toml",
        ] {
            assert!(file_problems(good, &repo).is_empty(), "{good}");
        }
        for bad in [
            "tests/e2e/backup.rs",
            "tests/manuals.rs::a_test_nobody_wrote",
            "tests/manuals.rs::files_and_tests",
        ] {
            assert_eq!(file_problems(bad, &repo).len(), 1, "{bad}");
        }
    }

    #[test]
    fn an_error_code_the_operations_manual_lacks_is_found() {
        let source = "            ErrorCode::NotFound => \"not_found\",\n            ErrorCode::DiskOnFire => \"disk_on_fire\",\n";
        assert_eq!(error_codes(source), ["not_found", "disk_on_fire"]);
        assert_eq!(
            missing_codes(source, "| `not_found` | 404 |"),
            ["disk_on_fire"]
        );
    }

    #[test]
    fn a_command_or_option_the_operations_manual_lacks_is_found() {
        let cli = cli();
        let manual =
            "`manabi serve --role all --catalog URL`、`manabi user add --email E`、`manabi backup`";
        assert_eq!(
            unnamed_commands(&cli, manual),
            [
                "`manabi backup --config`",
                "`manabi user add --password-stdin`"
            ]
        );
    }

    #[test]
    fn environment_variables_that_set_nothing_are_found() {
        let config = config();
        assert!(
            env_problems(
                "MANABI_DATA_DIR=/srv/manabi MANABI_BACKUP__DAILY_AT=03:00",
                &config
            )
            .is_empty()
        );
        assert!(env_problems("MANABI_<SECTION>__<KEY> or MANABI_*", &config).is_empty());
        assert_eq!(
            env_problems("MANABI_BACKUP_DAILY_AT=03:00", &config).len(),
            1
        );
        assert_eq!(env_problems("`MANABI_STORE__TYPE`", &config).len(), 1);
    }

    #[test]
    fn a_manual_is_read_with_its_code_blocks() {
        let facts = Facts {
            screenshots: BTreeSet::from(["player.png".to_owned()]),
            routes: routes(),
            config: config(),
            literals: BTreeSet::new(),
            cli: cli(),
            repo: Repo::at(&root()),
        };
        let manual = "# 手順\n\n`manabi serve` で起動し、`GET /readyz` を確かめます。\n\n\
                      ```sh\nmanabi backup --to /mnt\n```\n\n```toml\n[store]\nkind = \"s3\"\nregion = \"x\"\n```\n\n\
                      ![画面](screenshots/home.png) `backup.daily_time`\n";
        let problems = check("docs/ja/例.md", manual, &facts);
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(": ").next().unwrap_or(""))
            .collect();
        assert_eq!(
            lines,
            [
                "docs/ja/例.md:6",
                "docs/ja/例.md:12",
                "docs/ja/例.md:15",
                "docs/ja/例.md:15"
            ],
            "{problems:#?}"
        );
        assert_eq!(code_spans("a ``x `y` z`` b `c`"), ["x `y` z", "c"]);
    }
}
