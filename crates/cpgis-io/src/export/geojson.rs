//! A streaming GeoJSON writer (RFC 7946): WGS 84 longitude/latitude, coordinates rounded to 7
//! decimals (about 1 cm), exterior rings counter-clockwise and holes clockwise, properties in a
//! fixed order with numbers rounded per column. Same input, same bytes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use gdal::spatial_ref::CoordTransform;
use geo::winding_order::{Winding, WindingOrder};
use geo::{LineString, MultiPolygon, Point, Polygon};

use super::atomic::write_atomic;
use cpgis_core::decimal::{round_scaled, write_digits, PAIRS};
use cpgis_core::site::Shape;
use cpgis_core::{Error, Result};

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

impl<'a> From<&'a Shape> for Geom<'a> {
    fn from(shape: &'a Shape) -> Geom<'a> {
        match shape {
            Shape::Area(mp) => Geom::MultiPolygon(mp),
            Shape::Point(p) => Geom::Point(*p),
        }
    }
}

/// Formats a number rounded to `decimals`, without trailing zeros but with a decimal point
/// (`2.0`), `-0` as `0.0`; non-finite numbers become `null` (JSON has no NaN). The reference
/// for [`push_number`], which writes the same bytes faster.
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

/// Appends `number(v, decimals)` to `out`, the same bytes without allocating and without the
/// standard library's exact (big-number) formatting in the common case.
///
/// The fast path scales |v| by 10^decimals (an exact power) once: the product r is off the
/// true scaled value by at most half an ulp, r·2⁻⁵³. When r's fractional part is farther than
/// twice that from one half, rounding r to an integer rounds the true value the same way, so
/// the digits are exact; near a half (true ties like 0.125 included), or for numbers too large
/// for an exact integer, the reference formatter decides.
pub fn push_number(out: &mut Vec<u8>, v: f64, decimals: u8) {
    if !fast_number(out, v, decimals) {
        out.extend_from_slice(number(v, decimals).as_bytes());
    }
}

/// The fast path of [`push_number`]: false (and nothing written) where it cannot be sure.
fn fast_number(out: &mut Vec<u8>, v: f64, decimals: u8) -> bool {
    if !v.is_finite() {
        out.extend_from_slice(b"null");
        return true;
    }
    let d = decimals as usize;
    match round_scaled(v.abs(), d) {
        Some(n) => {
            if v < 0.0 && n > 0 {
                out.push(b'-');
            }
            push_scaled(out, n, d);
            true
        }
        None => false,
    }
}

/// Appends `n` / 10^`d` with at least one digit on each side of the point and no trailing
/// zeros after the first decimal (`n` < 10^16, `d` ≤ 15): 12300, 2 → `123.0`; 5, 3 → `0.005`.
#[inline]
fn push_scaled(out: &mut Vec<u8>, mut n: u64, mut d: usize) {
    // Trailing zeros of the fraction dropped first, by arithmetic (divisions by constants).
    while d > 0 && n % 10 == 0 {
        n /= 10;
        d -= 1;
    }
    // Right to left into one buffer: the d decimals (leading zeros included), the point, then
    // the integer part; copied out at once.
    let mut buf = [b'0'; 40];
    let mut i = buf.len();
    if d == 0 {
        i -= 2;
        buf[i..].copy_from_slice(b".0");
    } else {
        if d % 2 == 1 {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        for _ in 0..d / 2 {
            let r = (n % 100) as usize * 2;
            n /= 100;
            i -= 2;
            buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
        }
        i -= 1;
        buf[i] = b'.';
    }
    let start = write_digits(&mut buf[..i], n);
    out.extend_from_slice(&buf[start..]);
}

/// Appends a non-negative integer in decimal.
fn push_u64(out: &mut Vec<u8>, n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    let mut buf = [0u8; 20];
    let i = write_digits(&mut buf, n);
    out.extend_from_slice(&buf[i..]);
}

/// Appends an integer in decimal.
pub fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends a JSON string with the escapes JSON requires.
fn push_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    push_escaped(out, s);
    out.push(b'"');
}

/// True when text needs JSON escapes. No early exit, so it compiles to a few vector
/// instructions per short string.
fn needs_escape(s: &str) -> bool {
    s.bytes().fold(false, |bad, b| {
        bad | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// Appends text with the escapes JSON requires, without quotes.
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// A property name rendered once as JSON (`,"name":`), for layers that write the same names a
/// million times.
#[derive(Debug, Clone)]
pub struct Key(Box<[u8]>);

impl Key {
    /// The key `prefix` + `name`.
    pub fn new(prefix: &str, name: &str) -> Key {
        let mut out = vec![b','];
        push_string(&mut out, &format!("{prefix}{name}"));
        out.push(b':');
        Key(out.into_boxed_slice())
    }
}

/// Writes features of one layer into a byte buffer: a whole FeatureCollection
/// ([`FeatureWriter::begin`] … [`FeatureWriter::finish`]) or, for one chunk of a layer written
/// in parallel, features only ([`FeatureWriter::body`]). A feature is either given whole
/// ([`FeatureWriter::feature`]) or streamed: [`FeatureWriter::start`], its properties in order,
/// [`FeatureWriter::end`] with the geometry.
pub struct FeatureWriter<'w> {
    out: &'w mut Vec<u8>,
    to_wgs84: &'w CoordTransform,
    first: bool,
    first_prop: bool,
    /// The last geometry written with [`FeatureWriter::end_shared`]: its owner's key and
    /// where its text lies in `out`.
    shared: Option<(usize, std::ops::Range<usize>)>,
    /// Scratch coordinates of the feature being written.
    xs: Vec<f64>,
    ys: Vec<f64>,
    zs: Vec<f64>,
}

impl<'w> FeatureWriter<'w> {
    /// Starts a FeatureCollection named `name`.
    pub fn begin(out: &'w mut Vec<u8>, name: &str, to_wgs84: &'w CoordTransform) -> Self {
        out.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"name\":");
        push_string(out, name);
        out.extend_from_slice(b",\"features\":[\n");
        Self::body(out, to_wgs84)
    }

    /// A writer of features only (no collection header): for one chunk of a layer written in
    /// parallel, joined to the others by [`write_parallel`].
    pub fn body(out: &'w mut Vec<u8>, to_wgs84: &'w CoordTransform) -> Self {
        FeatureWriter {
            out,
            to_wgs84,
            first: true,
            first_prop: true,
            shared: None,
            xs: Vec::new(),
            ys: Vec::new(),
            zs: Vec::new(),
        }
    }

    /// Writes one feature.
    pub fn feature(&mut self, geom: Geom<'_>, props: &[(&str, Prop)]) -> io::Result<()> {
        self.start();
        for (k, v) in props {
            self.prop(k, v);
        }
        self.end(geom)
    }

    /// Starts a feature; its properties follow.
    pub fn start(&mut self) {
        if !self.first {
            self.out.extend_from_slice(b",\n");
        }
        self.first = false;
        self.first_prop = true;
        self.out
            .extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
    }

    /// Writes a property's name, `prefix` and `name` joined.
    fn key(&mut self, prefix: &str, name: &str) {
        if !self.first_prop {
            self.out.push(b',');
        }
        self.first_prop = false;
        self.out.push(b'"');
        push_escaped(self.out, prefix);
        push_escaped(self.out, name);
        self.out.extend_from_slice(b"\":");
    }

    /// Writes a property name rendered once by [`Key::new`].
    #[inline]
    fn key_bytes(&mut self, key: &Key) {
        if self.first_prop {
            self.out.extend_from_slice(&key.0[1..]);
        } else {
            self.out.extend_from_slice(&key.0);
        }
        self.first_prop = false;
    }

    /// A number under a pre-rendered name.
    pub fn num_key(&mut self, key: &Key, value: f64, decimals: u8) {
        self.key_bytes(key);
        push_number(self.out, value, decimals);
    }

    /// An integer under a pre-rendered name.
    pub fn int_key(&mut self, key: &Key, value: i64) {
        self.key_bytes(key);
        push_i64(self.out, value);
    }

    /// A text property under a pre-rendered name.
    pub fn str_key(&mut self, key: &Key, value: &str) {
        self.key_bytes(key);
        push_string(self.out, value);
    }

    /// A boolean under a pre-rendered name.
    pub fn bool_key(&mut self, key: &Key, value: bool) {
        self.key_bytes(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// A null under a pre-rendered name.
    pub fn null_key(&mut self, key: &Key) {
        self.key_bytes(key);
        self.out.extend_from_slice(b"null");
    }

    /// The raw bytes of a value, already JSON, under a pre-rendered name.
    pub fn raw_key(&mut self, key: &Key, json: &[u8]) {
        self.key_bytes(key);
        self.out.extend_from_slice(json);
    }

    /// A text property made of parts joined by `sep` (each part escaped as JSON needs).
    pub fn str_joined<'a>(&mut self, name: &str, parts: impl Iterator<Item = &'a str>, sep: &str) {
        self.key("", name);
        self.joined_value(parts, sep);
    }

    /// [`FeatureWriter::str_joined`] under a pre-rendered name.
    pub fn str_joined_key<'a>(
        &mut self,
        key: &Key,
        parts: impl Iterator<Item = &'a str>,
        sep: &str,
    ) {
        self.key_bytes(key);
        self.joined_value(parts, sep);
    }

    fn joined_value<'a>(&mut self, parts: impl Iterator<Item = &'a str>, sep: &str) {
        self.out.push(b'"');
        for (i, part) in parts.enumerate() {
            if i > 0 {
                push_escaped(self.out, sep);
            }
            push_escaped(self.out, part);
        }
        self.out.push(b'"');
    }

    /// A property of any kind.
    pub fn prop(&mut self, name: &str, value: &Prop) {
        match value {
            Prop::Str(s) => self.str(name, s),
            Prop::Num(x, d) => self.num(name, *x, *d),
            Prop::Int(n) => self.int(name, *n),
            Prop::Bool(b) => self.bool(name, *b),
            Prop::Null => self.null(name),
        }
    }

    /// A text property.
    pub fn str(&mut self, name: &str, value: &str) {
        self.key("", name);
        push_string(self.out, value);
    }

    /// A number rounded to `decimals` (see [`number`]).
    pub fn num(&mut self, name: &str, value: f64, decimals: u8) {
        self.key("", name);
        push_number(self.out, value, decimals);
    }

    /// An integer property.
    pub fn int(&mut self, name: &str, value: i64) {
        self.key("", name);
        push_i64(self.out, value);
    }

    /// A boolean property.
    pub fn bool(&mut self, name: &str, value: bool) {
        self.key("", name);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// A null property.
    pub fn null(&mut self, name: &str) {
        self.key("", name);
        self.out.extend_from_slice(b"null");
    }

    /// The raw bytes of a property's value, already JSON (for values built in place).
    pub fn raw(&mut self, name: &str, json: &[u8]) {
        self.key("", name);
        self.out.extend_from_slice(json);
    }

    /// Ends the feature with its geometry.
    pub fn end(&mut self, geom: Geom<'_>) -> io::Result<()> {
        self.out.extend_from_slice(b"},\"geometry\":");
        self.geometry(geom)?;
        self.out.push(b'}');
        Ok(())
    }

    /// Ends the feature with the geometry of `owner` (a building's index): when the feature
    /// before was ended with the same owner, its geometry's text is copied, not transformed
    /// and formatted again (the opportunities at one building follow each other).
    pub fn end_shared(&mut self, owner: usize, geom: Geom<'_>) -> io::Result<()> {
        self.out.extend_from_slice(b"},\"geometry\":");
        match &self.shared {
            Some((o, range)) if *o == owner => {
                let range = range.clone();
                self.out.extend_from_within(range);
            }
            _ => {
                let from = self.out.len();
                self.geometry(geom)?;
                self.shared = Some((owner, from..self.out.len()));
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    /// Ends the FeatureCollection.
    pub fn finish(self) {
        self.out.extend_from_slice(b"\n]}\n");
    }

    fn geometry(&mut self, geom: Geom<'_>) -> io::Result<()> {
        match geom {
            Geom::Point(p) => {
                self.xs.clear();
                self.ys.clear();
                self.xs.push(p.x());
                self.ys.push(p.y());
                self.transform()?;
                self.out
                    .extend_from_slice(b"{\"type\":\"Point\",\"coordinates\":[");
                push_number(self.out, self.xs[0], 7);
                self.out.push(b',');
                push_number(self.out, self.ys[0], 7);
                self.out.extend_from_slice(b"]}");
            }
            Geom::Polygon(p) => {
                let ps = std::slice::from_ref(p);
                self.load(ps)?;
                if !self.split_if_crossing(ps) {
                    self.out
                        .extend_from_slice(b"{\"type\":\"Polygon\",\"coordinates\":");
                    self.emit(ps);
                    self.out.push(b'}');
                }
            }
            Geom::MultiPolygon(mp) => {
                self.load(&mp.0)?;
                if !self.split_if_crossing(&mp.0) {
                    self.out
                        .extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
                    self.emit(&mp.0);
                    self.out.extend_from_slice(b"]}");
                }
            }
        }
        Ok(())
    }

    /// Writes `polygons`, [`FeatureWriter::load`]ed, as a MultiPolygon split at the
    /// antimeridian when one of their rings crosses it in WGS 84; returns whether it did.
    /// Polygons far from 180° cost a scan of their longitudes.
    fn split_if_crossing(&mut self, polygons: &[Polygon<f64>]) -> bool {
        if !self.xs.iter().any(|x| x.abs() > 90.0) {
            return false;
        }
        // The rings as loaded: each ring's stored points, in order.
        let mut lonlat: Vec<Polygon<f64>> = Vec::with_capacity(polygons.len());
        let mut any = false;
        let mut at = 0;
        for p in polygons {
            let mut rings: Vec<LineString<f64>> = std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|ring| {
                    let n = stored(ring);
                    let xs = &self.xs[at..at + n];
                    any |= super::antimeridian::crosses(xs);
                    let ring: Vec<geo::Coord<f64>> = xs
                        .iter()
                        .zip(&self.ys[at..at + n])
                        .map(|(x, y)| geo::Coord { x: *x, y: *y })
                        .collect();
                    at += n;
                    LineString::new(ring)
                })
                .collect();
            for r in &mut rings {
                r.close();
            }
            let exterior = rings.remove(0);
            lonlat.push(Polygon::new(exterior, rings));
        }
        if !any {
            return false;
        }
        let split = super::antimeridian::split(&lonlat);
        self.out
            .extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (i, p) in split.0.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.push(b'[');
            let rings = std::iter::once((p.exterior(), WindingOrder::Clockwise)).chain(
                p.interiors()
                    .iter()
                    .map(|r| (r, WindingOrder::CounterClockwise)),
            );
            for (j, (ring, wrong)) in rings.enumerate() {
                if j > 0 {
                    self.out.push(b',');
                }
                self.out.push(b'[');
                let reversed = ring.winding_order() == Some(wrong);
                let coords: Box<dyn Iterator<Item = &geo::Coord<f64>>> = if reversed {
                    Box::new(ring.0.iter().rev())
                } else {
                    Box::new(ring.0.iter())
                };
                for (k, c) in coords.enumerate() {
                    if k > 0 {
                        self.out.push(b',');
                    }
                    push_position(self.out, c.x, c.y);
                }
                self.out.push(b']');
            }
            self.out.push(b']');
        }
        self.out.extend_from_slice(b"]}");
        true
    }

    /// Loads the coordinates of `polygons` into the scratch vectors, transformed to WGS 84 in
    /// one call: each ring's points without its closing one, exteriors counter-clockwise and
    /// holes clockwise (a ring is reversed only when its winding is the other one, as geo's
    /// `orient` does).
    fn load(&mut self, polygons: &[Polygon<f64>]) -> io::Result<()> {
        self.xs.clear();
        self.ys.clear();
        let rings = || {
            polygons.iter().flat_map(|p| {
                std::iter::once((p.exterior(), WindingOrder::Clockwise)).chain(
                    p.interiors()
                        .iter()
                        .map(|r| (r, WindingOrder::CounterClockwise)),
                )
            })
        };
        // A closed ring's last point is its first: transformed once (a fifth of a rectangle's).
        for (ring, wrong) in rings() {
            let n = stored(ring);
            if ring.winding_order() == Some(wrong) {
                let from = ring.0.len() - n;
                self.xs.extend(ring.0[from..].iter().rev().map(|c| c.x));
                self.ys.extend(ring.0[from..].iter().rev().map(|c| c.y));
            } else {
                self.xs.extend(ring.0[..n].iter().map(|c| c.x));
                self.ys.extend(ring.0[..n].iter().map(|c| c.y));
            }
        }
        self.transform()?;
        Ok(())
    }

    /// Writes [`FeatureWriter::load`]ed polygons, comma-separated, each as `[ring, …]`.
    fn emit(&mut self, polygons: &[Polygon<f64>]) {
        let mut at = 0;
        for (i, p) in polygons.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.push(b'[');
            for (j, ring) in std::iter::once(p.exterior())
                .chain(p.interiors())
                .enumerate()
            {
                if j > 0 {
                    self.out.push(b',');
                }
                self.out.push(b'[');
                let n = stored(ring);
                for k in 0..ring.0.len() {
                    if k > 0 {
                        self.out.push(b',');
                    }
                    let i = if k < n { at + k } else { at };
                    push_position(self.out, self.xs[i], self.ys[i]);
                }
                at += n;
                self.out.push(b']');
            }
            self.out.push(b']');
        }
    }

    /// Transforms the scratch coordinates to WGS 84 in place.
    fn transform(&mut self) -> io::Result<()> {
        if self.xs.is_empty() {
            return Ok(());
        }
        self.zs.clear();
        self.zs.resize(self.xs.len(), 0.0);
        self.to_wgs84
            .transform_coords(&mut self.xs, &mut self.ys, &mut self.zs)
            .map_err(|e| io::Error::other(format!("cannot transform to WGS 84: {e}")))
    }
}

/// `[lon,lat]` with 7 decimals (about 1 cm).
fn push_position(out: &mut Vec<u8>, x: f64, y: f64) {
    out.push(b'[');
    push_number(out, x, 7);
    out.push(b',');
    push_number(out, y, 7);
    out.push(b']');
}

/// Points of a ring that are transformed and stored: a closed ring's last point is its first.
fn stored(ring: &LineString<f64>) -> usize {
    ring.0.len() - usize::from(closed(ring))
}

/// Whether a ring ends where it starts, bit for bit (and has more than that one point).
fn closed(ring: &LineString<f64>) -> bool {
    match (ring.0.first(), ring.0.last()) {
        (Some(a), Some(b)) if ring.0.len() > 1 => {
            a.x.to_bits() == b.x.to_bits() && a.y.to_bits() == b.y.to_bits()
        }
        _ => false,
    }
}

/// Writes a small layer atomically as `DIR/NAME.geojson`, rendered in memory in one thread.
pub fn write_layer(
    dir: &Path,
    name: &str,
    to_wgs84: &CoordTransform,
    features: impl FnOnce(&mut FeatureWriter) -> io::Result<()>,
) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.geojson"));
    let mut buf = Vec::new();
    let mut fw = FeatureWriter::begin(&mut buf, name, to_wgs84);
    features(&mut fw).map_err(|e| Error::Tool(format!("cannot write {}: {e}", path.display())))?;
    fw.finish();
    write_atomic(&path, |w| w.write_all(&buf))?;
    Ok(path)
}

/// Features per chunk rendered by one thread.
const CHUNK: usize = 2048;

/// Writes a layer of `n` features as a FeatureCollection, rendering chunks of features on every
/// core (each with its own GDAL transform) and writing them in order: the same bytes as one
/// thread would write, a bounded amount in memory at a time.
///
/// Chunk k + [`window`] is started as chunk k is written, so at most a window of chunks is in
/// memory, and no thread waits for a whole batch to finish: whichever thread renders the chunk
/// the file needs next writes it, and every chunk after it that is already rendered.
pub fn write_parallel(
    w: &mut (dyn Write + Send),
    name: &str,
    local_epsg: u32,
    n: usize,
    feature: &(dyn Fn(usize, &mut FeatureWriter) -> io::Result<()> + Sync),
) -> io::Result<()> {
    let mut head = Vec::new();
    FeatureWriter::begin(
        &mut head,
        name,
        &to_wgs84(local_epsg).map_err(io::Error::other)?,
    );
    w.write_all(&head)?;
    let chunks = n.div_ceil(CHUNK);
    let render = |k: usize| -> io::Result<Vec<u8>> {
        let t = to_wgs84(local_epsg).map_err(|e| io::Error::other(e.to_string()))?;
        let mut buf = Vec::with_capacity(CHUNK * 2048);
        let mut fw = FeatureWriter::body(&mut buf, &t);
        for i in k * CHUNK..((k + 1) * CHUNK).min(n) {
            feature(i, &mut fw)?;
        }
        Ok(buf)
    };
    let order = std::sync::Mutex::new(InOrder {
        w,
        next: 0,
        ready: std::collections::BTreeMap::new(),
        first: true,
        failed: None,
    });
    let window = window();
    rayon::scope(|scope| {
        fn start<'s>(
            scope: &rayon::Scope<'s>,
            k: usize,
            chunks: usize,
            window: usize,
            render: &'s (dyn Fn(usize) -> io::Result<Vec<u8>> + Sync),
            order: &'s std::sync::Mutex<InOrder<'_>>,
        ) {
            scope.spawn(move |scope| {
                let rendered = render(k);
                // The chunks written now make room for as many more.
                let written = match order.lock() {
                    Ok(mut o) => o.put(k, rendered),
                    Err(_) => 0..0,
                };
                for done in written {
                    if done + window < chunks {
                        start(scope, done + window, chunks, window, render, order);
                    }
                }
            });
        }
        for k in 0..window.min(chunks) {
            start(scope, k, chunks, window, &render, &order);
        }
    });
    let o = order
        .into_inner()
        .map_err(|_| io::Error::other("a thread rendering a layer failed"))?;
    if let Some(e) = o.failed {
        return Err(e);
    }
    o.w.write_all(b"\n]}\n")
}

/// Chunks rendered or waiting to be written at a time: four per core (half the two batches of
/// four per core that were in memory when chunks were rendered batch by batch).
fn window() -> usize {
    rayon::current_num_threads().max(1) * 4
}

/// The chunks of a layer on their way to its file, in order.
struct InOrder<'w> {
    w: &'w mut (dyn Write + Send),
    /// The chunk the file needs next.
    next: usize,
    /// Chunks rendered ahead of it.
    ready: std::collections::BTreeMap<usize, Vec<u8>>,
    first: bool,
    failed: Option<io::Error>,
}

impl InOrder<'_> {
    /// Takes chunk `k` and writes every chunk from `next` on that is rendered: the chunks
    /// written (none once anything failed: no more chunks need rendering).
    fn put(&mut self, k: usize, rendered: io::Result<Vec<u8>>) -> std::ops::Range<usize> {
        if self.failed.is_some() {
            return 0..0;
        }
        match rendered {
            Ok(chunk) => {
                self.ready.insert(k, chunk);
            }
            Err(e) => {
                self.failed = Some(e);
                return 0..0;
            }
        }
        let from = self.next;
        while let Some(chunk) = self.ready.remove(&self.next) {
            self.next += 1;
            if chunk.is_empty() {
                continue;
            }
            let written = if self.first {
                self.w.write_all(&chunk)
            } else {
                self.w
                    .write_all(b",\n")
                    .and_then(|()| self.w.write_all(&chunk))
            };
            self.first = false;
            if let Err(e) = written {
                self.failed = Some(e);
                return 0..0;
            }
        }
        from..self.next
    }
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
    fn shared_geometries_are_the_text_a_fresh_one_gets() {
        use geo::polygon;
        let t = to_wgs84(2056).unwrap();
        let a = MultiPolygon::new(vec![polygon![
            (x: 2_681_000.0, y: 1_224_000.0), (x: 2_681_020.0, y: 1_224_000.0),
            (x: 2_681_020.0, y: 1_224_015.0), (x: 2_681_000.0, y: 1_224_000.0)
        ]]);
        let b = MultiPolygon::new(vec![polygon![
            (x: 2_682_000.0, y: 1_225_000.0), (x: 2_682_000.0, y: 1_225_030.0),
            (x: 2_682_040.0, y: 1_225_000.0), (x: 2_682_000.0, y: 1_225_000.0)
        ]]);
        // Owner 7 twice (the second copied), then owner 8, then owner 7 again (not adjacent:
        // rendered afresh).
        let features = [(7, &a), (7, &a), (8, &b), (7, &a)];
        let (mut fresh, mut shared) = (Vec::new(), Vec::new());
        let mut fw = FeatureWriter::body(&mut fresh, &t);
        for (_, g) in features {
            fw.start();
            fw.end(Geom::MultiPolygon(g)).unwrap();
        }
        let mut fw = FeatureWriter::body(&mut shared, &t);
        for (owner, g) in features {
            fw.start();
            fw.end_shared(owner, Geom::MultiPolygon(g)).unwrap();
        }
        assert!(!fresh.is_empty());
        assert_eq!(
            String::from_utf8(shared).unwrap(),
            String::from_utf8(fresh).unwrap()
        );
    }

    /// A layer of more chunks than a window (thirteen full ones and a short one, on three
    /// threads, uneven work so that chunks finish out of order) is written as one thread
    /// writes it, and a feature that fails fails the layer.
    #[test]
    fn chunks_rendered_side_by_side_are_written_in_order() {
        let n = 13 * CHUNK + 17;
        let feature = |i: usize, fw: &mut FeatureWriter| -> io::Result<()> {
            // Uneven work, so that chunks finish out of order.
            let (x, y) = (2_681_000.0 + i as f64 * 0.37, 1_224_000.0 + (i % 97) as f64);
            fw.start();
            fw.int("i", i as i64);
            for k in 0..(i % 7) * 3 {
                fw.num(&format!("v{k}"), (i * k) as f64 / 7.0, 3);
            }
            fw.end(Geom::Point(Point::new(x, y)))
        };
        let mut one = Vec::new();
        let t = to_wgs84(2056).unwrap();
        let mut fw = FeatureWriter::begin(&mut one, "layer", &t);
        for i in 0..n {
            feature(i, &mut fw).unwrap();
        }
        fw.finish();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        assert!(n.div_ceil(CHUNK) > pool.install(window));
        let mut many: Vec<u8> = Vec::new();
        pool.install(|| write_parallel(&mut many, "layer", 2056, n, &feature))
            .unwrap();
        assert!(many == one, "{} vs {} bytes", many.len(), one.len());

        let failing = |i: usize, fw: &mut FeatureWriter| -> io::Result<()> {
            if i == 3 * CHUNK + 5 {
                return Err(io::Error::other("feature 6149"));
            }
            feature(i, fw)
        };
        let mut out: Vec<u8> = Vec::new();
        let e = pool
            .install(|| write_parallel(&mut out, "layer", 2056, n, &failing))
            .unwrap_err();
        assert_eq!(e.to_string(), "feature 6149");
    }

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
    fn integers_are_written_as_the_standard_library_writes_them() {
        let mut values = vec![i64::MIN, i64::MAX, 0, -1, 1];
        for e in 0..19 {
            let p = 10_i64.pow(e);
            values.extend([p - 1, p, p + 1, -p, -(p - 1)]);
        }
        values.extend(xorshift(0x2545_f491_4f6c_dd1d, 100_000).map(|x| (x >> (x % 64)) as i64));
        let mut out = Vec::new();
        for n in values {
            out.clear();
            push_i64(&mut out, n);
            assert_eq!(std::str::from_utf8(&out).unwrap(), n.to_string());
        }
    }

    #[test]
    fn numbers_are_rounded_and_trimmed() {
        assert_eq!(number(24.931_234_567_89, 7), "24.9312346");
        assert_eq!(number(1.5, 3), "1.5");
        assert_eq!(number(2.0, 3), "2.0");
        assert_eq!(number(-0.000_01, 3), "0.0");
        assert_eq!(number(f64::NAN, 3), "null");
        assert_eq!(number(1234.0, 0), "1234.0");
    }

    /// The fast formatter against the standard library's exact one: values of every size and
    /// sign, exact ties (k/8, k/2, 0.125, 2.5), values a hair off a tie, integers, tiny and huge
    /// numbers, at 0 to 7 decimals.
    #[test]
    fn the_fast_formatter_writes_what_the_exact_one_writes() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            0.125,
            0.375,
            1e-300,
            -1e-300,
            4.0e15,
            1e16,
            1e300,
            -1e300,
            9.999_999_95,
            0.000_000_05,
            0.049_999_999_999_999_996,
            1234.0,
        ];
        for _ in 0..200_000 {
            let r = next();
            let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
            let v = match r % 6 {
                0 => unit * 1000.0,
                1 => -unit * 1e7,
                2 => ((r >> 20) % 100_000) as f64 / 8.0,
                3 => f64::from_bits(next() >> 2) * if r & 1 == 0 { 1.0 } else { -1.0 },
                4 => {
                    let tie = ((r >> 16) % 10_000) as f64 / 1000.0 + 0.0005;
                    f64::from_bits(tie.to_bits().wrapping_add((r >> 60).wrapping_sub(8)))
                }
                _ => unit * 10f64.powi((r >> 40) as i32 % 20 - 6),
            };
            values.push(v);
        }
        let (mut out, mut fast, mut all) = (Vec::new(), 0, 0);
        for v in values {
            for d in 0..=7u8 {
                out.clear();
                push_number(&mut out, v, d);
                assert_eq!(
                    std::str::from_utf8(&out).unwrap(),
                    number(v, d),
                    "{v:e} at {d}"
                );
                out.clear();
                fast += usize::from(fast_number(&mut out, v, d));
                all += 1;
            }
        }
        // The fast path answers most of them (all but the huge, the non-finite and the ties).
        assert!(fast * 10 > all * 7, "{fast} of {all}");
    }
}
