//! The core's modules depend on each other one way: each uses only the modules listed before
//! it in `lib.rs`'s module table (the stage order: config and presets, the site model, then profile →
//! estimate → aggregate → community → offsets → balance → the run result). This test reads the
//! sources and fails on a `crate::` path that reaches a module declared later, naming the file,
//! the line and the module, so an upward import cannot creep back in.

use std::path::Path;

/// The modules in the order of `lib.rs`'s module table (rustfmt sorts the `pub mod` lines);
/// every declared module must be in the table.
fn declared() -> Vec<String> {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let table: Vec<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! | [`"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let mut mods: Vec<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let mut listed = table.clone();
    mods.sort();
    listed.sort();
    assert_eq!(
        mods, listed,
        "lib.rs: the module table lists every module once"
    );
    table
}

/// Every source file under `path`.
fn files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            files(&e.unwrap().path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The top-level modules a line of code names through `crate::` (`crate::a::b`,
/// `crate::{a, b::c}`), comments left out.
fn named(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            out.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn no_module_reaches_a_module_declared_after_it() {
    let order = declared();
    assert!(order.len() > 10, "lib.rs declares the modules: {order:?}");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut upward = Vec::new();
    for (rank, module) in order.iter().enumerate() {
        let mut paths = Vec::new();
        files(&src.join(module), &mut paths);
        files(&src.join(format!("{module}.rs")), &mut paths);
        assert!(!paths.is_empty(), "module {module} has no source");
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let tests_from = text.find("#[cfg(test)]").unwrap_or(text.len());
            for (n, line) in text[..tests_from].lines().enumerate() {
                for name in named(line) {
                    // Items of the crate root (`crate::Error`, `crate::Result`) are the error
                    // module's, re-exported.
                    let target = match name.as_str() {
                        "Error" | "Result" => "error",
                        other => other,
                    };
                    match order.iter().position(|m| m == target) {
                        Some(r) if r > rank => upward.push(format!(
                            "{}:{}: {module} uses {target}, listed after it",
                            path.strip_prefix(&src).unwrap().display(),
                            n + 1
                        )),
                        Some(_) => {}
                        None => upward.push(format!(
                            "{}:{}: crate::{name} is not a module of lib.rs",
                            path.strip_prefix(&src).unwrap().display(),
                            n + 1
                        )),
                    }
                }
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_checker_reads_grouped_and_plain_paths() {
    assert_eq!(named("use crate::{Error, Result};"), ["Error", "Result"]);
    assert_eq!(
        named("use crate::site::{Shape, Site}; let x = crate::run::Ran;"),
        ["site", "run"]
    );
    assert_eq!(named("// crate::run in a comment"), Vec::<String>::new());
}
