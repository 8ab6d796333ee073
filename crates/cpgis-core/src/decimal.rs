//! Exact decimal text of numbers without the standard library's formatting machinery in the
//! common case: the digits of an integer two at a time, and `format!("{v:.N}")`'s bytes for a
//! fixed number of decimals. The GeoJSON writer, the report's drawings and the opportunities'
//! assumption texts write millions of numbers.

/// Powers of ten that are exact in f64.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `a` (≥ 0) × 10^`d` rounded to an integer, where that is sure to be the exact value's
/// rounding (as `cpgis_io`'s GeoJSON writer does); `None` near a tie or beyond 4·10^15.
#[inline]
pub fn round_scaled(a: f64, d: usize) -> Option<u64> {
    if d >= POW10.len() {
        return None;
    }
    let r = a * POW10[d];
    if r.is_nan() || r >= 4.0e15 {
        return None;
    }
    // r ≥ 0: truncation is the floor (and needs no call into libm).
    let whole = r as u64;
    let frac = r - whole as f64; // exact: r < 2^52
    let err = r * 2.3e-16 + 1e-300;
    if frac > 0.5 + err {
        Some(whole + 1)
    } else if frac < 0.5 - err {
        Some(whole)
    } else {
        None
    }
}

/// Appends `v` as `format!("{v:.d$}")` writes it (exact rounding, every decimal written, a
/// minus sign on negative values that round to zero), without the formatting machinery in
/// the common case: for the report's drawings, which write millions of coordinates.
pub fn push_fixed(out: &mut String, v: f64, d: u8) {
    let d = d as usize;
    let n = if v.is_finite() {
        round_scaled(v.abs(), d)
    } else {
        None
    };
    let Some(n) = n.filter(|_| d <= 15) else {
        use std::fmt::Write;
        let _ = write!(out, "{v:.d$}");
        return;
    };
    if v.is_sign_negative() {
        out.push('-');
    }
    // Every digit into a buffer of zeros (n = 0 writes one, already there); then the point.
    let mut buf = [b'0'; 32];
    let i = write_digits(&mut buf, n);
    let start = i.min(buf.len() - d - 1);
    let point = buf.len() - d;
    let int = std::str::from_utf8(&buf[start..point]).unwrap_or("0");
    out.push_str(int);
    if d > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(&buf[point..]).unwrap_or(""));
    }
}

/// Appends `v` as `format!("{v}")` writes it (the shortest text that reads back as `v`),
/// remembering the texts of the first [`REMEMBERED`] values each thread writes: the
/// opportunities' assumption texts repeat the same few factors hundreds of thousands of times.
pub fn push_shortest(out: &mut String, v: f64) {
    use std::cell::RefCell;
    thread_local! {
        static SEEN: RefCell<Vec<(u64, Box<str>)>> = const { RefCell::new(Vec::new()) };
    }
    let bits = v.to_bits();
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some((_, text)) = seen.iter().find(|(b, _)| *b == bits) {
            out.push_str(text);
            return;
        }
        let text = v.to_string();
        out.push_str(&text);
        if seen.len() < REMEMBERED {
            seen.push((bits, text.into_boxed_str()));
        }
    });
}

/// Values whose text [`push_shortest`] keeps, per thread.
const REMEMBERED: usize = 32;

/// "00" to "99", for writing two digits at a time.
pub const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `n`'s decimal digits at the end of `buf`, right to left, two at a time; returns
/// where they start. `buf` holds at least 20 bytes (the digits of `u64::MAX`).
#[inline]
pub fn write_digits(buf: &mut [u8], mut n: u64) -> usize {
    let mut i = buf.len();
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    }
    if n >= 10 {
        let r = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` pseudo-random numbers (xorshift64) from `seed`, the same on every run.
    fn xorshift(seed: u64, n: usize) -> impl Iterator<Item = u64> {
        (0..n).scan(seed, |x, _| {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            Some(*x)
        })
    }

    #[test]
    fn shortest_texts_are_what_the_standard_library_writes_repeated_or_not() {
        // A few values many times (the remembered ones), then more distinct values than are
        // remembered, with zeros of both signs, NaN and infinities among them.
        let mut values = vec![
            0.0,
            -0.0,
            0.102,
            2.8,
            1200.0,
            f64::NAN,
            f64::INFINITY,
            -1e-300,
        ];
        values.extend(xorshift(0x51_7cc1_b727_220a, 500).map(f64::from_bits));
        values.extend(xorshift(7, 500).map(|x| (x % 10_000) as f64 / 100.0));
        let mut out = String::new();
        for round in 0..3 {
            for v in &values {
                out.clear();
                push_shortest(&mut out, *v);
                assert_eq!(out, format!("{v}"), "{v:e} in round {round}");
            }
        }
    }

    #[test]
    fn fixed_decimals_are_what_the_standard_library_writes() {
        let mut values = vec![
            0.0,
            -0.0,
            0.05,
            0.25,
            0.35,
            -0.04,
            -0.05,
            1.45,
            2.5,
            999.95,
            1e15,
            4e15,
            1e300,
            -1e-300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            123.456_789,
        ];
        for x in xorshift(0x9e37_79b9_7f4a_7c15, 25_000) {
            // Pixel-like values, with exact ties among them (k/20, k/8).
            let k = (x % 2_000_000) as f64;
            values.extend([k / 997.0 - 50.0, k / 20.0, -k / 8.0, f64::from_bits(x)]);
        }
        let mut out = String::new();
        for v in values {
            for d in [0u8, 1, 2, 3] {
                out.clear();
                push_fixed(&mut out, v, d);
                assert_eq!(out, format!("{v:.0$}", d as usize), "{v:e} to {d}");
            }
        }
    }
}
