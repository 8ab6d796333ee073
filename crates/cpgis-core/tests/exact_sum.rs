//! `exact::sum` against Python's `math.fsum` (Shewchuk's algorithm, correctly rounded: an
//! implementation not ours): the values go to Python as hexadecimal floats, exact both ways,
//! and every sum must come back with the same bits.

use cpgis_core::exact;

/// Python's `float.hex` form of `x`.
fn hex(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0x0p+0"
        } else {
            "0x0p+0"
        }
        .into();
    }
    let bits = x.to_bits();
    let sign = if x < 0.0 { "-" } else { "" };
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    if exponent == 0 {
        format!("{sign}0x0.{fraction:013x}p-1022")
    } else {
        format!("{sign}0x1.{fraction:013x}p{:+}", exponent - 1023)
    }
}

#[test]
fn exact_sums_are_pythons_fsum_bit_for_bit() {
    // Sets of values: wide magnitudes with cancellation, values of one size (emissions of
    // buildings, t/yr), subnormals, and sums that lie near a rounding tie.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut sets: Vec<Vec<f64>> = Vec::new();
    for n in [3usize, 10, 100, 1000] {
        for spread in [4i32, 60, 600] {
            let set = (0..n)
                .map(|_| {
                    let r = next();
                    let m = (r >> 11) as f64 / (1u64 << 53) as f64;
                    let e = (r % spread as u64) as i32 - spread / 2;
                    let sign = if r & 1 == 0 { 1.0 } else { -1.0 };
                    sign * m * 2f64.powi(e)
                })
                .collect();
            sets.push(set);
        }
    }
    sets.push((0..50).map(|i| f64::from_bits(i * 7919 + 1)).collect());
    sets.push(vec![2f64.powi(53), 1.0, 2f64.powi(-70)]);
    // (Python's fsum refuses an intermediate overflow such as 1e308 + 1e308 − 1e308, which
    // the unit tests cover.)
    sets.push(vec![1e300, 1e-300, -1e300, 3.0]);
    let script = "import math,sys\nfor line in sys.stdin:\n    vals=[float.fromhex(v) for v in line.split()]\n    print(math.fsum(vals).hex())\n";
    let input: String = sets
        .iter()
        .map(|s| s.iter().map(|v| hex(*v)).collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let python: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(python.len(), sets.len());
    for (set, p) in sets.iter().zip(&python) {
        let ours = exact::sum(set.iter().copied());
        // Python writes 0x1.8000000000000p+1 as 0x1.8p+1: compare the values, bit for bit.
        let check = std::process::Command::new("python3")
            .args([
                "-c",
                &format!(
                    "print(float.fromhex('{p}') == float.fromhex('{}'))",
                    hex(ours)
                ),
            ])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&check.stdout).trim(),
            "True",
            "ours {} ({}) against fsum {p}, {} values",
            ours,
            hex(ours),
            set.len()
        );
    }
}
