//! `manabi`: one binary, every role. See `manabi --help`.

fn main() -> std::process::ExitCode {
    manabi::cli::main()
}
