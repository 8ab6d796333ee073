//! A streaming GeoJSON writer (RFC 7946): WGS 84 longitude/latitude, coordinates rounded to 7
//! decimals (about 1 cm), exterior rings counter-clockwise and holes clockwise, properties in a
//! fixed order with numbers rounded per column. Same input, same bytes.

use std::io::{self, Write};

use gdal::spatial_ref::CoordTransform;
use geo::orient::{Direction, Orient};
use geo::{MultiPolygon, Point, Polygon};

use crate::{Error, Result};

/// A property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    Str(String),
    /// A number with the decimals to round it to.
    Num(f64, u8),
    Int(i64),
    Bool(bool),
    Null,
}

/// Geometry of an output feature, in the local CRS.
pub enum Geom<'a> {
    Point(Point<f64>),
    Polygon(&'a Polygon<f64>),
    MultiPolygon(&'a MultiPolygon<f64>),
}

/// Formats a number rounded to `decimals`, without trailing zeros but with a decimal point
/// (`2.0`), `-0` as `0.0`; non-finite numbers become `null` (JSON has no NaN).
pub fn number(v: f64, decimals: u8) -> String {
    if !v.is_finite() {
        return "null".into();
    }
    let mut s = format!("{:.*}", decimals as usize, v);
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(t);
    }
    if s == "-0" {
        s = "0".into();
    }
    if !s.contains('.') {
        // Always a decimal point, so GDAL and QGIS type the column Real in every output.
        s.push_str(".0");
    }
    s
}

/// Writes a JSON string with the escapes JSON requires.
fn string(w: &mut dyn Write, s: &str) -> io::Result<()> {
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        w.write_all(b"\"")?;
        w.write_all(s.as_bytes())?;
        return w.write_all(b"\"");
    }
    w.write_all(b"\"")?;
    for c in s.chars() {
        match c {
            '"' => w.write_all(b"\\\"")?,
            '\\' => w.write_all(b"\\\\")?,
            '\n' => w.write_all(b"\\n")?,
            '\r' => w.write_all(b"\\r")?,
            '\t' => w.write_all(b"\\t")?,
            c if (c as u32) < 0x20 => write!(w, "\\u{:04x}", c as u32)?,
            c => write!(w, "{c}")?,
        }
    }
    w.write_all(b"\"")
}

/// Writes one layer as a FeatureCollection, feature by feature.
pub struct FeatureWriter<'w> {
    w: &'w mut dyn Write,
    to_wgs84: &'w CoordTransform,
    first: bool,
}

impl<'w> FeatureWriter<'w> {
    /// Starts a FeatureCollection named `name`.
    pub fn begin(
        w: &'w mut dyn Write,
        name: &str,
        to_wgs84: &'w CoordTransform,
    ) -> io::Result<Self> {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"name\":")?;
        string(w, name)?;
        w.write_all(b",\"features\":[\n")?;
        Ok(FeatureWriter {
            w,
            to_wgs84,
            first: true,
        })
    }

    /// A writer of features only (no collection header): for one chunk of a layer written in
    /// parallel, joined to the others by [`write_parallel`].
    pub fn body(w: &'w mut dyn Write, to_wgs84: &'w CoordTransform) -> Self {
        FeatureWriter {
            w,
            to_wgs84,
            first: true,
        }
    }

    /// Writes one feature.
    pub fn feature(&mut self, geom: Geom<'_>, props: &[(&str, Prop)]) -> io::Result<()> {
        if !self.first {
            self.w.write_all(b",\n")?;
        }
        self.first = false;
        self.w
            .write_all(b"{\"type\":\"Feature\",\"properties\":{")?;
        for (i, (k, v)) in props.iter().enumerate() {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            string(self.w, k)?;
            self.w.write_all(b":")?;
            match v {
                Prop::Str(s) => string(self.w, s)?,
                Prop::Num(x, d) => self.w.write_all(number(*x, *d).as_bytes())?,
                Prop::Int(n) => write!(self.w, "{n}")?,
                Prop::Bool(b) => write!(self.w, "{b}")?,
                Prop::Null => self.w.write_all(b"null")?,
            }
        }
        self.w.write_all(b"},\"geometry\":")?;
        self.geometry(geom)?;
        self.w.write_all(b"}")
    }

    /// Ends the FeatureCollection.
    pub fn finish(self) -> io::Result<()> {
        self.w.write_all(b"\n]}\n")
    }

    fn geometry(&mut self, geom: Geom<'_>) -> io::Result<()> {
        match geom {
            Geom::Point(p) => {
                let (x, y) = self.lonlat(&[p.x()], &[p.y()])?;
                write!(
                    self.w,
                    "{{\"type\":\"Point\",\"coordinates\":[{},{}]}}",
                    number(x[0], 7),
                    number(y[0], 7)
                )
            }
            Geom::Polygon(p) => {
                self.w
                    .write_all(b"{\"type\":\"Polygon\",\"coordinates\":")?;
                self.polygon(&p.orient(Direction::Default))?;
                self.w.write_all(b"}")
            }
            Geom::MultiPolygon(mp) => {
                self.w
                    .write_all(b"{\"type\":\"MultiPolygon\",\"coordinates\":[")?;
                for (i, p) in mp.orient(Direction::Default).0.iter().enumerate() {
                    if i > 0 {
                        self.w.write_all(b",")?;
                    }
                    self.polygon(p)?;
                }
                self.w.write_all(b"]}")
            }
        }
    }

    fn polygon(&mut self, p: &Polygon<f64>) -> io::Result<()> {
        self.w.write_all(b"[")?;
        for (i, ring) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            let xs: Vec<f64> = ring.0.iter().map(|c| c.x).collect();
            let ys: Vec<f64> = ring.0.iter().map(|c| c.y).collect();
            let (xs, ys) = self.lonlat(&xs, &ys)?;
            self.w.write_all(b"[")?;
            for (j, (x, y)) in xs.iter().zip(&ys).enumerate() {
                if j > 0 {
                    self.w.write_all(b",")?;
                }
                write!(self.w, "[{},{}]", number(*x, 7), number(*y, 7))?;
            }
            self.w.write_all(b"]")?;
        }
        self.w.write_all(b"]")
    }

    fn lonlat(&self, xs: &[f64], ys: &[f64]) -> io::Result<(Vec<f64>, Vec<f64>)> {
        let (mut x, mut y) = (xs.to_vec(), ys.to_vec());
        let mut z = vec![0.0; x.len()];
        self.to_wgs84
            .transform_coords(&mut x, &mut y, &mut z)
            .map_err(|e| io::Error::other(format!("cannot transform to WGS 84: {e}")))?;
        Ok((x, y))
    }
}

/// Features per chunk rendered by one thread.
const CHUNK: usize = 2048;

/// Writes a layer of `n` features as a FeatureCollection, rendering chunks of features on every
/// core (each with its own GDAL transform) and writing them in order: the same bytes as one
/// thread would write, a bounded amount in memory at a time.
pub fn write_parallel(
    w: &mut dyn Write,
    name: &str,
    local_epsg: u32,
    n: usize,
    feature: &(dyn Fn(usize, &mut FeatureWriter) -> io::Result<()> + Sync),
) -> io::Result<()> {
    use rayon::prelude::*;
    w.write_all(b"{\"type\":\"FeatureCollection\",\"name\":")?;
    string(w, name)?;
    w.write_all(b",\"features\":[\n")?;
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    let per_batch = rayon::current_num_threads().max(1) * 4;
    let mut first = true;
    for batch in starts.chunks(per_batch) {
        let rendered: Vec<io::Result<Vec<u8>>> = batch
            .par_iter()
            .map(|&start| {
                let t = to_wgs84(local_epsg).map_err(|e| io::Error::other(e.to_string()))?;
                let mut buf = Vec::with_capacity(CHUNK * 512);
                let mut fw = FeatureWriter::body(&mut buf, &t);
                for i in start..(start + CHUNK).min(n) {
                    feature(i, &mut fw)?;
                }
                Ok(buf)
            })
            .collect();
        for chunk in rendered {
            let chunk = chunk?;
            if chunk.is_empty() {
                continue;
            }
            if !first {
                w.write_all(b",\n")?;
            }
            first = false;
            w.write_all(&chunk)?;
        }
    }
    w.write_all(b"\n]}\n")
}

/// The transform from the local CRS (EPSG code) to WGS 84 longitude/latitude.
pub fn to_wgs84(local_epsg: u32) -> Result<CoordTransform> {
    let from = crate::crs::epsg(local_epsg)?;
    let to = crate::crs::wgs84()?;
    crate::crs::transform(&from, &to).map_err(|e| Error::Tool(format!("{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_and_trimmed() {
        assert_eq!(number(24.931_234_567_89, 7), "24.9312346");
        assert_eq!(number(1.5, 3), "1.5");
        assert_eq!(number(2.0, 3), "2.0");
        assert_eq!(number(-0.000_01, 3), "0.0");
        assert_eq!(number(f64::NAN, 3), "null");
        assert_eq!(number(1234.0, 0), "1234.0");
    }
}
