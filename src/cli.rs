//! The command line (API.md "Command line"). Every command exits non-zero
//! with one clear line on stderr for bad input.

use crate::config::Config;
use crate::roles::{self, Role};
use crate::{demo, telemetry};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// manabi — online training videos for municipal staff.
#[derive(Debug, Parser)]
#[command(name = "manabi", version, about)]
pub struct Cli {
    /// Configuration file (TOML), layered over config/default.toml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service.
    Serve {
        /// Which role(s) this process runs.
        #[arg(long, value_enum, default_value = "all")]
        role: Role,
        /// For `--role worker` and `--role origin`: the catalog's base URL
        /// (overrides worker.catalog_url); a worker takes its jobs there, an
        /// origin the sessions to refuse at once.
        #[arg(long, value_name = "URL")]
        catalog: Option<String>,
    },
    /// Seed demo content (generated videos, accounts, history), print the logins, and serve.
    Demo,
    /// Manage users from the shell.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import users from a CSV file: prints the preview; with --apply applies it.
    ImportUsers {
        /// The CSV file (UTF-8 with or without BOM, or Shift_JIS).
        file: PathBuf,
        /// standard (email,name,role,status,groups,remarks) or hr (email,remarks).
        #[arg(long, value_parser = ["standard", "hr"], default_value = "standard")]
        format: String,
        /// upsert, or sync: disable the learners and editors the file does not name.
        #[arg(long, value_parser = ["upsert", "sync"], default_value = "upsert")]
        mode: String,
        /// Apply the previewed changes (one transaction).
        #[arg(long)]
        apply: bool,
        /// Go ahead with a sync that disables more than catalog.import_max_disable_share.
        #[arg(long)]
        confirm_mass_disable: bool,
    },
    /// Take a backup of the catalog now: a snapshot, compressed, sealed with
    /// AES-256-GCM, verified and recorded (works while the service runs).
    Backup {
        /// A directory instead of backup.dir, or s3://bucket/prefix to copy it
        /// to (besides backup.dir; endpoint and credentials of [backup_copy],
        /// else of [store]).
        #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
        to: Option<crate::backups::Destination>,
    },
    /// Bring the media mirror ([mirror]) up to date now and report what
    /// differed; with --check only report (exit status 1 when it differs).
    Mirror {
        /// Report only; change nothing.
        #[arg(long)]
        check: bool,
        /// Also compare the contents of equal-sized objects (reads both copies).
        #[arg(long)]
        deep: bool,
    },
    /// Restore a backup into the data directory (stop the service first), or
    /// with --verify rehearse it: restore into a scratch directory, start
    /// the service on it, check it and report how long it took.
    Restore {
        /// The backup file (manabi-….mbk).
        file: PathBuf,
        /// Replace the catalog database that is there.
        #[arg(long, conflicts_with = "verify")]
        force: bool,
        /// The restore drill; the data directory is not touched.
        #[arg(long)]
        verify: bool,
    },
    /// Delete everything at the end of the contract — the database, all media,
    /// uploads, every backup and their copies, the keys — and write a signed
    /// report (stop the service first). Asks to type `erase-everything`.
    #[command(alias = "erase")]
    Purge {
        /// Everything (required: there is no partial purge).
        #[arg(long)]
        all: bool,
        /// The confirmation given on the command line instead of typed:
        /// `erase-everything`.
        #[arg(long)]
        confirm: Option<String>,
        /// Where the report goes (outside the data and backup directories);
        /// default: manabi-erasure-report-TIME.md in the current directory.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
    },
    /// Print the public key (PEM) that will sign the deletion report at the
    /// end of the contract; hand it to the ward now (created on first use).
    ErasureKey,
    /// Re-encrypt the catalog database under a new key (key rotation; stop
    /// the service first).
    Rekey {
        /// Read the new key (64 hex digits) from standard input instead of
        /// generating one; required when the key is set inline (catalog.db_key).
        #[arg(long)]
        new_key_stdin: bool,
    },
    /// Package one media file into an HLS ladder in a directory, without the catalog.
    Transcode {
        /// The input media file.
        input: PathBuf,
        /// The output directory (created; must be empty if it exists).
        outdir: PathBuf,
        /// Ladder name (standard, small); default from the configuration.
        #[arg(long)]
        ladder: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user (for example the first admin).
    Add {
        /// E-mail address (the login id).
        #[arg(long)]
        email: String,
        /// Role.
        #[arg(long, value_parser = ["admin", "manager", "editor", "learner"])]
        role: String,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to standard output as clap writes them.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let text = e.render().to_string();
            let said = text.strip_prefix("error: ").unwrap_or(&text);
            eprintln!("manabi: {} (manabi --help)", one_line(said));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("manabi: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("manabi: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// A message on one line, as every refusal of the command line is: the
/// lines of a parser's report joined, without the excerpt of the file it
/// quotes (`2 | [http`, `  |      ^`) and without clap's usage hints.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            let quoted = l
                .split_once('|')
                .is_some_and(|(before, _)| before.trim().chars().all(|c| c.is_ascii_digit()));
            !(l.is_empty()
                || quoted
                || l.starts_with("Usage:")
                || l.starts_with("For more information"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { role, catalog } => {
            if let Some(url) = catalog {
                config.worker.catalog_url = url;
            }
            telemetry::init(&config.log.format, &config.log.level);
            let app = roles::start(&config, role).await?;
            if let Some(addr) = app.local_addr() {
                tracing::info!(%addr, ?role, "manabi is listening");
                println!("manabi: http://{addr}/ ({role:?})");
            }
            app.run_until(shutdown_signal()).await;
            Ok(())
        }
        Command::Demo => run_demo(&config).await,
        Command::Backup { to } => crate::backups::take(&config, to).await,
        Command::Mirror { check, deep } => crate::backups::mirror(&config, check, deep).await,
        Command::Purge {
            all,
            confirm,
            report,
        } => {
            anyhow::ensure!(
                all,
                "消去するには --all を付けてください: すべてを消去します (purge --all: there is no partial purge)"
            );
            let confirm = match confirm {
                Some(typed) => typed,
                None => crate::erase::ask_confirmation()?,
            };
            let report = report.unwrap_or_else(crate::erase::default_report);
            crate::erase::run(&config, &confirm, &report).await
        }
        Command::ErasureKey => crate::erase::print_key(&config),
        Command::Rekey { new_key_stdin } => crate::keys::rotate_db_key(&config, new_key_stdin),
        Command::Restore {
            file,
            force,
            verify,
        } => {
            if verify {
                crate::backups::drill(&config, &file).await
            } else {
                crate::backups::restore(&config, &file, force)
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    role,
                    name,
                    password_stdin,
                },
        } => add_user(&config, &email, &role, &name, password_stdin).await,
        Command::Transcode {
            input,
            outdir,
            ladder,
        } => transcode(&config, input, outdir, ladder).await,
        Command::ImportUsers {
            file,
            format,
            mode,
            apply,
            confirm_mass_disable,
        } => {
            let options = ImportOptions {
                format,
                mode,
                apply,
                confirm_mass_disable,
            };
            import_users(&config, &file, &options).await
        }
    }
}

async fn run_demo(config: &Config) -> anyhow::Result<()> {
    telemetry::init(&config.log.format, &config.log.level);
    let app = roles::start(config, Role::All).await?;
    let catalog = app.catalog().context("the demo needs the catalog")?.clone();
    println!("デモデータを準備しています (preparing demo content)…");
    let (logins, pending) = demo::seed(&catalog, &config.data_dir).await?;
    let addr = app.local_addr().context("the demo needs a listener")?;
    println!();
    println!("manabi デモ: http://{addr}/");
    println!("ログイン (logins):");
    for l in &logins {
        println!(
            "  {:<8} {:<26} {}  ({})",
            l.role.as_str(),
            l.email,
            l.password,
            l.name
        );
    }
    println!(
        "(パスワードは {} にも保存されています)",
        config.data_dir.join("demo-logins.txt").display()
    );
    if !pending.is_empty() {
        println!(
            "デモ動画 {} 本をトランスコードしています… (transcoding demo videos)",
            pending.len()
        );
    }
    let publisher = tokio::spawn(demo::publish_when_ready(catalog, pending));
    let watch_publisher = async {
        match publisher.await {
            Ok(Ok(())) => println!("デモの準備ができました (demo ready). Ctrl+C で停止します。"),
            Ok(Err(e)) => eprintln!("manabi: demo content: {e:#}"),
            Err(e) => eprintln!("manabi: demo content: {e}"),
        }
        std::future::pending::<()>().await;
    };
    app.run_until(async {
        tokio::select! {
            () = shutdown_signal() => {}
            () = watch_publisher => {}
        }
    })
    .await;
    Ok(())
}

async fn add_user(
    config: &Config,
    email: &str,
    role: &str,
    name: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let email = domain::Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let role: domain::Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let (password, generated) = if password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from standard input")?;
        let password = text.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(
            password.chars().count() >= 12,
            "パスワードは12文字以上にしてください (the password must be at least 12 characters)"
        );
        (password, false)
    } else {
        let bytes: [u8; 12] = rand::random();
        (hex::encode(bytes), true)
    };
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let store = store::open(&config.store, &config.data_dir).await?;
    let keys = config.grant_keys(true)?;
    let catalog =
        catalog::Catalog::open(config.catalog.clone(), &config.data_dir, store, keys).await?;
    let rounds = config.catalog.pbkdf2_iterations;
    let to_hash = password.clone();
    let hash =
        tokio::task::spawn_blocking(move || catalog::password::hash(&to_hash, rounds)).await?;
    let now = jiff::Timestamp::now();
    let (email_c, name) = (email.clone(), name.to_owned());
    catalog
        .state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let made = catalog::users::create(
                &tx,
                &catalog::users::NewUser {
                    email: &email_c,
                    name: &name,
                    role,
                    password_hash: Some(&hash),
                },
                now,
            );
            if let Ok(id) = &made {
                catalog::audit::record(
                    &tx,
                    now,
                    None,
                    "user.create",
                    &id.to_string(),
                    &serde_json::json!({"via": "cli", "role": role}),
                )?;
            }
            tx.commit()?;
            Ok(made)
        })
        .await?
        .map_err(|e| anyhow::anyhow!("{email}: {e}"))?;
    println!("利用者を作成しました (user created): {email} ({role})");
    if generated {
        println!("初期パスワード (initial password): {password}");
    }
    Ok(())
}

/// `import-users`' flags.
struct ImportOptions {
    format: String,
    mode: String,
    apply: bool,
    confirm_mass_disable: bool,
}

/// `manabi import-users`: the preview, and with `--apply` the import, as an
/// admin-equivalent system actor (audited with no actor, `"via": "cli"`).
/// One-time passwords of created users go to a file beside the input.
async fn import_users(config: &Config, file: &Path, options: &ImportOptions) -> anyhow::Result<()> {
    use catalog::imports::{self, Caller, ImportError};
    let format: catalog::csvfile::Format = options
        .format
        .parse()
        .map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let mode: imports::Mode = options
        .mode
        .parse()
        .map_err(|e| anyhow::anyhow!("--mode: {e}"))?;
    let cannot_read = || format!("ファイルを読めません (cannot read) {}", file.display());
    let limit = config.catalog.import_max_bytes;
    let size = std::fs::metadata(file).with_context(cannot_read)?.len();
    anyhow::ensure!(
        size <= limit,
        "{}: ファイルが大きすぎます（上限 {limit} バイト、catalog.import_max_bytes） (file too large: {size} bytes)",
        file.display()
    );
    let bytes = std::fs::read(file).with_context(cannot_read)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let store = store::open(&config.store, &config.data_dir).await?;
    let keys = config.grant_keys(true)?;
    let catalog =
        catalog::Catalog::open(config.catalog.clone(), &config.data_dir, store, keys).await?;
    let state = &catalog.state;
    let share = config.catalog.import_max_disable_share;
    let preview = imports::preview(
        &state.db,
        Caller::CLI,
        format,
        mode,
        bytes,
        share,
        jiff::Timestamp::now(),
    )
    .await?;
    print_preview(&preview);
    let (id, errors) = (preview.id, preview.summary.errors);
    drop(preview);
    anyhow::ensure!(
        errors == 0,
        "{errors} 行にエラーがあるため取り込めません。ファイルを直してください (rows with errors; nothing was changed)"
    );
    if !options.apply {
        println!(
            "変更するには --apply を付けて実行してください (nothing was changed; add --apply to apply)"
        );
        return Ok(());
    }
    let hashing = imports::Hashing {
        permits: std::sync::Arc::clone(&state.hashing),
        rounds: config.catalog.pbkdf2_iterations,
    };
    let applied = imports::apply(
        &state.db,
        &hashing,
        Caller::CLI,
        id,
        options.confirm_mass_disable,
        share,
        imports::Delivery::HandOver,
        jiff::Timestamp::now(),
    )
    .await
    .map_err(|e| match e {
        ImportError::MassDisable(m) => anyhow::anyhow!(
            "有効な {} 人中 {} 人を無効化します（上限 {:.0}%）。確認のうえ --confirm-mass-disable を付けて実行してください (sync would disable too many users; nothing was changed)",
            m.active,
            m.disable,
            m.max_share * 100.0
        ),
        other => anyhow::anyhow!("{other}"),
    })?;
    let s = applied.summary;
    println!(
        "取り込みました (applied) #{}: 作成 {} / 更新 {} / 無効化 {} / 削除 {}",
        applied.id, s.create, s.update, s.disable, s.delete
    );
    if let Some(csv) = applied.passwords_csv {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("import");
        let path = file.with_file_name(format!("{stem}-passwords-{}.csv", applied.id));
        write_private(&path, &csv).with_context(|| {
            format!(
                "初期パスワードを保存できません (cannot write) {}",
                path.display()
            )
        })?;
        println!(
            "初期パスワード (one-time passwords): {} — 配布したら削除してください (delete it once distributed)",
            path.display()
        );
    }
    println!(
        "取り消すには (to undo): POST /api/v1/imports/{}/undo",
        applied.id
    );
    Ok(())
}

/// Prints a preview: the summary, the changed rows and every error, one
/// line each, with row and column.
fn print_preview(p: &catalog::imports::Preview) {
    use catalog::imports::Action;
    let s = p.summary;
    println!(
        "取り込みプレビュー (preview) #{}: {} / {}, {}, SHA-256 {}",
        p.id,
        p.format,
        p.mode.as_str(),
        p.encoding_label.as_deref().unwrap_or("-"),
        p.file_sha256
    );
    println!(
        "作成 {} / 更新 {} / 無効化 {} / 削除 {} / 変更なし {} / エラー {} (create / update / disable / delete / unchanged / errors)",
        s.create, s.update, s.disable, s.delete, s.unchanged, s.errors
    );
    if !p.new_groups.is_empty() {
        println!("新しいグループ (new groups): {}", p.new_groups.join(", "));
    }
    if let Some(m) = p.mass_disable.filter(|m| m.confirmation_required) {
        println!(
            "有効な {} 人中 {} 人を無効化します。上限 {:.0}% を超えるため --confirm-mass-disable が必要です",
            m.active,
            m.disable,
            m.max_share * 100.0
        );
    }
    const SHOWN: usize = 200;
    let changed: Vec<_> = p
        .rows
        .iter()
        .filter(|r| !matches!(r.action, Action::Unchanged | Action::Error))
        .collect();
    for r in changed.iter().take(SHOWN) {
        let at = r
            .row
            .map_or_else(|| "-".to_owned(), |n| format!("{n} 行目"));
        let fields: Vec<String> = r
            .changes
            .iter()
            .map(|(k, (old, new))| format!("{k}: {old:?} → {new:?}"))
            .collect();
        let action = match r.action {
            Action::Create => "作成",
            Action::Update => "更新",
            Action::Disable => "無効化",
            Action::Delete => "削除",
            Action::Unchanged | Action::Error => "",
        };
        println!(
            "{at} {action} {} {}",
            r.email.as_deref().unwrap_or(""),
            fields.join(", ")
        );
    }
    if changed.len() > SHOWN {
        println!("… ほか {} 行 (more rows)", changed.len() - SHOWN);
    }
    for r in p.rows.iter().filter(|r| r.action == Action::Error) {
        for e in &r.errors {
            let at = r.row.map_or_else(String::new, |n| format!("{n} 行目 "));
            println!("{at}{}: {} ({})", e.column, e.message, e.code);
        }
    }
}

/// Writes a new file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

async fn transcode(
    config: &Config,
    input: PathBuf,
    outdir: PathBuf,
    ladder: Option<String>,
) -> anyhow::Result<()> {
    let mut settings = config.transcoder_settings()?;
    if let Some(name) = ladder {
        settings.ladder = domain::Ladder::named(&name)
            .with_context(|| format!("--ladder: unknown ladder {name:?} (standard or small)"))?;
    }
    anyhow::ensure!(
        input.is_file(),
        "入力ファイルが見つかりません (input not found): {}",
        input.display()
    );
    std::fs::create_dir_all(&outdir).with_context(|| format!("creating {}", outdir.display()))?;
    anyhow::ensure!(
        std::fs::read_dir(&outdir)?.next().is_none(),
        "出力先が空ではありません (output directory is not empty): {}",
        outdir.display()
    );
    transcoder::init().map_err(|e| anyhow::anyhow!("FFmpeg: {e}"))?;
    transcoder::quiet_ffmpeg_logs();
    let started = std::time::Instant::now();
    let packaged = tokio::task::spawn_blocking(move || {
        let mut last = -1i32;
        transcoder::package(&input, &outdir, &settings, &mut |p| {
            let percent = (p * 100.0) as i32;
            if percent / 10 != last / 10 {
                last = percent;
                eprint!("\r{percent:>3}%");
            }
        })
    })
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!();
    println!(
        "{:.1} s of media packaged in {:.1} s: {}",
        packaged.duration_s,
        started.elapsed().as_secs_f64(),
        packaged
            .renditions
            .iter()
            .map(|r| format!(
                "{} {}x{} {} kbit/s",
                r.name,
                r.width,
                r.height,
                r.bandwidth / 1000
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
