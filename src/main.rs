//! `manabi`: one binary, every role. See `manabi --help`.

/// Rust's own allocations (HTTP, JSON, the runtime) go to mimalloc: under
/// heartbeat load glibc's malloc took about 9 % of the server's CPU, mostly
/// memory freed on another thread than the one that took it. SQLite and
/// OpenSSL keep the C library's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    manabi::cli::main()
}
