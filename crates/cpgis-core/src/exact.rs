//! Exact sums of `f64` values, rounded once at the end: the same result in any order and from
//! any split into partial sums merged later. A distributed run adds a figure over tiles in an
//! order of its own, and one machine adds it in building order; with an exact sum both give the
//! same bits, so the driver can take a figure the tiles summed instead of working it out again.
//!
//! Every finite `f64` is an integer multiple of 2⁻¹⁰⁷⁴ below 2¹⁰²⁴, so a sum of them is an
//! integer held in fixed point: 32-bit digits (limbs) from 2⁻¹⁰⁷⁴ up, each kept in an `i64`,
//! so about two thousand million values add before the digits need their carries settled
//! (a long accumulator, after Kulisch). The result is the exact sum rounded to the nearest
//! `f64`, ties to even, as `math.fsum` in Python rounds it.

/// Bits per limb.
const DIGIT: u32 = 32;
/// Limbs: 2,098 bit positions (2⁻¹⁰⁷⁴ to 2¹⁰²⁴) and room for the carries of many values.
const LIMBS: usize = 68;
/// Values added between two settlings of the carries (each adds under 2³² to a limb).
const SETTLE_EVERY: u32 = 1 << 30;

/// An exact sum in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactSum {
    limbs: [i64; LIMBS],
    /// Values added since the carries were last settled.
    unsettled: u32,
    /// A NaN, or both infinities, were added.
    nan: bool,
    /// +∞ was added.
    pos_inf: bool,
    /// −∞ was added.
    neg_inf: bool,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: [0; LIMBS],
            unsettled: 0,
            nan: false,
            pos_inf: false,
            neg_inf: false,
        }
    }
}

impl ExactSum {
    /// An empty sum (0).
    pub fn new() -> ExactSum {
        ExactSum::default()
    }

    /// Adds one value, exactly.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            if x.is_nan() {
                self.nan = true;
            } else if x > 0.0 {
                self.pos_inf = true;
            } else {
                self.neg_inf = true;
            }
            return;
        }
        if x == 0.0 {
            return;
        }
        let bits = x.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as u32;
        let fraction = bits & ((1u64 << 52) - 1);
        // x = mantissa × 2^(position − 1074), position counted from 2⁻¹⁰⁷⁴.
        let (mantissa, position) = if exponent == 0 {
            (fraction, 0)
        } else {
            (fraction | (1u64 << 52), exponent - 1)
        };
        let sign: i64 = if x < 0.0 { -1 } else { 1 };
        let limb = (position / DIGIT) as usize;
        // Up to 84 bits from the limb's first bit: three 32-bit pieces.
        let wide = (mantissa as u128) << (position % DIGIT);
        for k in 0..3 {
            let piece = ((wide >> (DIGIT * k)) & 0xffff_ffff) as i64;
            if piece != 0 {
                self.limbs[limb + k as usize] += sign * piece;
            }
        }
        self.unsettled += 1;
        if self.unsettled >= SETTLE_EVERY {
            self.settle();
        }
    }

    /// Adds another sum, exactly: a sum split into parts and merged is the whole sum.
    pub fn merge(&mut self, other: &ExactSum) {
        self.settle();
        let mut other = other.clone();
        other.settle();
        for (a, b) in self.limbs.iter_mut().zip(other.limbs) {
            *a += b;
        }
        self.nan |= other.nan;
        self.pos_inf |= other.pos_inf;
        self.neg_inf |= other.neg_inf;
        self.settle();
    }

    /// Carries each limb's excess into the next, leaving every limb but the top in 0..2³².
    fn settle(&mut self) {
        for k in 0..LIMBS - 1 {
            let carry = self.limbs[k] >> DIGIT;
            self.limbs[k] -= carry << DIGIT;
            self.limbs[k + 1] += carry;
        }
        self.unsettled = 0;
    }

    /// The exact sum rounded to the nearest `f64` (ties to even); ±∞ beyond the largest.
    pub fn value(&self) -> f64 {
        if self.nan || (self.pos_inf && self.neg_inf) {
            return f64::NAN;
        }
        if self.pos_inf {
            return f64::INFINITY;
        }
        if self.neg_inf {
            return f64::NEG_INFINITY;
        }
        let mut s = self.clone();
        s.settle();
        let negative = s.limbs[LIMBS - 1] < 0;
        if negative {
            for l in s.limbs.iter_mut() {
                *l = -*l;
            }
            s.settle();
        }
        let Some(top) = s.limbs.iter().rposition(|l| *l != 0) else {
            return 0.0;
        };
        // The top three limbs (96 bits) and whether anything lies below them.
        let low = top.saturating_sub(2);
        let mut v: u128 = 0;
        for k in (low..=top).rev() {
            v = (v << DIGIT) | s.limbs[k] as u128;
        }
        let sticky = s.limbs[..low].iter().any(|l| *l != 0);
        let bits = 128 - v.leading_zeros();
        let shift = bits.saturating_sub(53);
        let mut mantissa = v >> shift;
        if shift > 0 {
            let rest = v & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            if rest > half || (rest == half && (sticky || mantissa & 1 == 1)) {
                mantissa += 1;
            }
        }
        let exponent = (DIGIT as i32) * low as i32 + shift as i32 - 1074;
        let magnitude = scale(mantissa as f64, exponent);
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }
}

/// `m` × 2^`e` for an integer `m` ≤ 2⁵³ whose product is an `f64` (or overflows to ∞): in steps
/// that each stay exact.
fn scale(mut m: f64, mut e: i32) -> f64 {
    while e > 0 {
        let step = e.min(1000);
        m *= 2f64.powi(step);
        e -= step;
    }
    while e < 0 {
        let step = e.max(-1000);
        m *= 2f64.powi(step);
        e -= step;
    }
    m
}

/// The exact sum of `values`, rounded once.
pub fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = ExactSum::new();
    for v in values {
        s.add(v);
    }
    s.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_naive_addition_loses_is_kept() {
        // 1e16 + 1 rounds back to 1e16 in f64; the exact sum keeps the 1.
        assert_eq!(sum([1e16, 1.0, -1e16]), 1.0);
        assert_eq!([1e16, 1.0, -1e16].iter().sum::<f64>(), 0.0);
        assert_eq!(sum([0.1, 0.2, 0.3]), 0.6);
        assert_eq!(sum([]), 0.0);
        assert_eq!(sum([-2.5]), -2.5);
    }

    #[test]
    fn extremes_and_non_finite_values() {
        let tiny = f64::from_bits(1); // 2⁻¹⁰⁷⁴
        assert_eq!(sum([tiny, tiny, tiny]), 3.0 * tiny);
        assert_eq!(sum([f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(sum([f64::MAX, f64::MAX, -f64::MAX]), f64::MAX);
        assert_eq!(sum([-f64::MAX, -f64::MAX]), f64::NEG_INFINITY);
        assert!(sum([f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(sum([1.0, f64::NAN]).is_nan());
        assert_eq!(sum([1.0, f64::INFINITY]), f64::INFINITY);
    }

    #[test]
    fn ties_round_to_even() {
        // 2⁵³ + 1 lies halfway between 2⁵³ and 2⁵³ + 2: to even, 2⁵³.
        let big = 2f64.powi(53);
        assert_eq!(sum([big, 1.0]), big);
        // 2⁵³ + 3 lies halfway between 2⁵³ + 2 and 2⁵³ + 4: to even, 2⁵³ + 4.
        assert_eq!(sum([big, 3.0]), big + 4.0);
        // Just above the halfway point (a tiny part below), it rounds up.
        assert_eq!(sum([big, 1.0, 2f64.powi(-60)]), big + 2.0);
    }

    #[test]
    fn any_order_and_any_split_give_the_same_bits() {
        // A deterministic spread of magnitudes and signs.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let values: Vec<f64> = (0..5000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let m = (x >> 11) as f64 / (1u64 << 53) as f64;
                let e = (x % 80) as i32 - 40;
                let sign = if i % 3 == 0 { -1.0 } else { 1.0 };
                sign * m * 2f64.powi(e)
            })
            .collect();
        let whole = sum(values.iter().copied());
        assert_eq!(sum(values.iter().rev().copied()).to_bits(), whole.to_bits());
        let mut parts: Vec<ExactSum> = (0..7).map(|_| ExactSum::new()).collect();
        for (i, v) in values.iter().enumerate() {
            parts[(i * 31) % 7].add(*v);
        }
        let mut merged = ExactSum::new();
        for p in parts.iter().rev() {
            merged.merge(p);
        }
        assert_eq!(merged.value().to_bits(), whole.to_bits());
    }
}
