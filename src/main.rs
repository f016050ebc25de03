fn main() -> std::process::ExitCode {
    reel::cli::main()
}
