//! An s3s-fs server on a free loopback port with a fresh directory, stopped
//! when dropped (also when a test panics). It can be killed and started again
//! on the same port and directory, as a store outage the client recovers from.
//!
//! One copy for two test crates: the store suite declares it as `mod s3s`,
//! the end-to-end tests (`tests/e2e/s3.rs`) through `#[path]`.

use secrecy::SecretString;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use store::{Kind, S3Store, Settings};
use tempfile::TempDir;

pub const ACCESS_KEY: &str = "manabi-test";
pub const SECRET_KEY: &str = "manabi-test-secret-key";
pub const BUCKET: &str = "media";

/// `[store]` settings for an S3 endpoint at `addr` with the test credentials
/// (this module's server, or a stand-in listening there).
pub fn settings_at(addr: SocketAddr) -> Settings {
    Settings {
        kind: Kind::S3,
        bucket: BUCKET.into(),
        endpoint: format!("http://{addr}"),
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: SecretString::from(SECRET_KEY),
        ..Settings::default()
    }
}

/// A running s3s-fs with one bucket, [`BUCKET`].
pub struct Server {
    binary: PathBuf,
    /// `None` while killed.
    child: Option<Child>,
    addr: SocketAddr,
    root: TempDir,
}

/// The s3s-fs binary: on `PATH` or where `cargo install` puts it. Missing is a
/// failure, never a skip.
fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    on_path
        .into_iter()
        .chain(cargo_home.map(|home| home.join("bin")))
        .map(|dir| dir.join("s3s-fs"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "s3s-fs is not installed (neither on PATH nor in ~/.cargo/bin), and the S3 \
                 tests need it: run `scripts/setup.sh test` (it runs `cargo install s3s-fs \
                 --version 0.14.1 --features binary --locked`)"
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts s3s-fs and waits until it accepts connections. A port taken by
    /// someone else between choosing and binding it is retried.
    pub async fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        // s3s-fs keeps a bucket as a directory below its root.
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let mut server = Self {
            binary: binary(),
            child: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            root,
        };
        for _ in 0..3 {
            server.addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            if server.run().await.is_ok() {
                return server;
            }
        }
        panic!("s3s-fs did not start (three tries, see above)");
    }

    /// Kills the server (as a crash would), keeping its port and directory.
    #[allow(dead_code)] // Only the end-to-end outage test stops the store.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts the server again on the same port and directory.
    #[allow(dead_code)] // Only the end-to-end outage test stops the store.
    pub async fn restart(&mut self) {
        self.kill();
        // The port was just released; give the kernel a few tries to hand it back.
        for _ in 0..3 {
            if self.run().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("s3s-fs did not restart on {} (see above)", self.addr);
    }

    /// Spawns the server on `self.addr` and waits until it listens; on failure
    /// prints why and its stderr.
    async fn run(&mut self) -> Result<(), String> {
        let stderr = self.root.path().join("s3s-fs.err");
        let mut child = Command::new(&self.binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &self.addr.port().to_string(),
            ])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path().canonicalize().unwrap())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.binary.display()));
        match wait_until_listening(&mut child, self.addr).await {
            Ok(()) => {
                self.child = Some(child);
                Ok(())
            }
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&stderr).unwrap_or_default();
                eprintln!("s3s-fs on {}: {why}; its stderr: {log}", self.addr);
                Err(why)
            }
        }
    }

    /// `[store]` settings for this server, as an operator would write them.
    pub fn settings(&self) -> Settings {
        settings_at(self.addr)
    }

    /// A store on this server, with `edit` applied to [`Server::settings`].
    #[allow(dead_code)] // The end-to-end tests hand the settings to the binary instead.
    pub fn store(&self, edit: impl FnOnce(&mut Settings)) -> S3Store {
        let mut settings = self.settings();
        edit(&mut settings);
        S3Store::from_settings(&settings).unwrap()
    }

    /// The bucket's directory on disk: one file per object key.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.path().join(BUCKET)
    }
}

/// Waits until `addr` accepts connections, or the server exits, or 10 s pass.
async fn wait_until_listening(child: &mut Child, addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("exited with {status}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("not listening after 10 s".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
