//! The case files of `tests/cases/`, read once per test binary: the table-driven cases run
//! them, and the fuzz run takes their policies as seeds.

use std::path::PathBuf;

/// Every `tests/cases/*.json`, in name order, with its parsed contents.
pub fn case_files() -> Vec<(PathBuf, serde_json::Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let doc = serde_json::from_str(&std::fs::read_to_string(&f).expect("read"))
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (f, doc)
        })
        .collect()
}
