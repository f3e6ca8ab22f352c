//! Writes the decode benchmark's corpus: `cargo run --release --example wmio_corpus -- FILE [COUNT]`.
//! FILE gets COUNT (default 256, one Next batch) EncodingUnits back to back; each starts with its
//! Signature and ObjectEncodingLength (MS-WMIO 2.2.1), so a reader can split them.

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: wmio_corpus FILE [COUNT]");
        return std::process::ExitCode::from(2);
    };
    let count = match args.next().map(|c| c.parse::<usize>()) {
        None => corpus::BATCH,
        Some(Ok(count)) => count,
        Some(Err(e)) => {
            eprintln!("wmio_corpus: COUNT: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let bytes: Vec<u8> = corpus::encoding_units(count).concat();
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("wmio_corpus: {path}: {e}");
        return std::process::ExitCode::FAILURE;
    }
    println!("{count} EncodingUnits, {} octets, in {path}", bytes.len());
    std::process::ExitCode::SUCCESS
}
