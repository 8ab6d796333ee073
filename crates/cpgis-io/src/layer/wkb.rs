//! Linear geometries from ISO WKB (the bytes OGR exports in one call) into `geo`, with every
//! coordinate transformed in one call of the coordinate transform: much faster than asking
//! OGR for one point at a time. Z and M are read and dropped (Z is kept for the transform, as
//! OGR's own transform does). Curves and anything unusual give `None`, and the caller takes
//! the slower general path.

use gdal::spatial_ref::CoordTransform;
use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

/// The shape of a parsed geometry, its coordinates held apart (indices into the arrays).
enum Node {
    Point(usize),
    Line(usize, usize),
    Polygon(Vec<(usize, usize)>),
    MultiPoint(Vec<usize>),
    MultiLine(Vec<(usize, usize)>),
    MultiPolygon(Vec<Vec<(usize, usize)>>),
    Collection(Vec<Node>),
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    xs: Vec<f64>,
    ys: Vec<f64>,
    zs: Vec<f64>,
}

impl Reader<'_> {
    fn u32(&mut self, little: bool) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(self.at..self.at + 4)?.try_into().ok()?;
        self.at += 4;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Option<f64> {
        let b: [u8; 8] = self.bytes.get(self.at..self.at + 8)?.try_into().ok()?;
        self.at += 8;
        Some(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// One coordinate of `dims` numbers (x, y, then z and/or m).
    fn coord(&mut self, little: bool, has_z: bool, has_m: bool) -> Option<usize> {
        let x = self.f64(little)?;
        let y = self.f64(little)?;
        let z = if has_z { self.f64(little)? } else { 0.0 };
        if has_m {
            self.f64(little)?;
        }
        self.xs.push(x);
        self.ys.push(y);
        self.zs.push(z);
        Some(self.xs.len() - 1)
    }

    /// A count followed by that many coordinates: their index range.
    fn run(&mut self, little: bool, has_z: bool, has_m: bool) -> Option<(usize, usize)> {
        let n = self.u32(little)? as usize;
        // Every coordinate takes at least 16 bytes: a count beyond the bytes left is corrupt.
        if n > (self.bytes.len() - self.at) / 16 {
            return None;
        }
        let start = self.xs.len();
        for _ in 0..n {
            self.coord(little, has_z, has_m)?;
        }
        Some((start, self.xs.len()))
    }

    fn rings(&mut self, little: bool, has_z: bool, has_m: bool) -> Option<Vec<(usize, usize)>> {
        let n = self.u32(little)? as usize;
        if n > (self.bytes.len() - self.at) / 4 {
            return None;
        }
        (0..n).map(|_| self.run(little, has_z, has_m)).collect()
    }

    /// A geometry with its header: byte order, then the type (ISO: base + 1000 × dimensions;
    /// the old 0x80000000 flag for Z also read).
    fn node(&mut self, depth: usize) -> Option<Node> {
        if depth > 8 {
            return None;
        }
        let little = match self.bytes.get(self.at)? {
            0 => false,
            1 => true,
            _ => return None,
        };
        self.at += 1;
        let code = self.u32(little)?;
        let (base, has_z, has_m) = if code & 0x8000_0000 != 0 {
            (code & 0xff, true, false)
        } else {
            let dims = code / 1000;
            (code % 1000, dims == 1 || dims == 3, dims == 2 || dims == 3)
        };
        Some(match base {
            1 => Node::Point(self.coord(little, has_z, has_m)?),
            2 => {
                let (a, b) = self.run(little, has_z, has_m)?;
                Node::Line(a, b)
            }
            3 => Node::Polygon(self.rings(little, has_z, has_m)?),
            4..=7 => {
                let n = self.u32(little)? as usize;
                if n > (self.bytes.len() - self.at) / 5 {
                    return None;
                }
                let parts: Vec<Node> = (0..n)
                    .map(|_| self.node(depth + 1))
                    .collect::<Option<_>>()?;
                // Each part of a multi-geometry must be of its single kind.
                fn each<T>(parts: Vec<Node>, part: impl Fn(Node) -> Option<T>) -> Option<Vec<T>> {
                    parts.into_iter().map(part).collect()
                }
                match base {
                    4 => Node::MultiPoint(each(parts, |p| match p {
                        Node::Point(i) => Some(i),
                        _ => None,
                    })?),
                    5 => Node::MultiLine(each(parts, |p| match p {
                        Node::Line(a, b) => Some((a, b)),
                        _ => None,
                    })?),
                    6 => Node::MultiPolygon(each(parts, |p| match p {
                        Node::Polygon(r) => Some(r),
                        _ => None,
                    })?),
                    _ => Node::Collection(parts),
                }
            }
            _ => return None,
        })
    }
}

/// The geometry in `wkb`, its coordinates transformed by `transform` when given. `None` when
/// the bytes hold something this reader does not take (curves, trailing bytes, corruption);
/// `Some(Err(()))` when the transform fails.
pub fn to_geo(wkb: &[u8], transform: Option<&CoordTransform>) -> Option<Result<Geometry<f64>, ()>> {
    let mut r = Reader {
        bytes: wkb,
        at: 0,
        xs: Vec::new(),
        ys: Vec::new(),
        zs: Vec::new(),
    };
    let node = r.node(0)?;
    if r.at != wkb.len() {
        return None;
    }
    if let Some(t) = transform {
        if !r.xs.is_empty() && t.transform_coords(&mut r.xs, &mut r.ys, &mut r.zs).is_err() {
            return Some(Err(()));
        }
    }
    let c = |i: usize| Coord {
        x: r.xs[i],
        y: r.ys[i],
    };
    let line = |(a, b): (usize, usize)| LineString::new((a..b).map(c).collect());
    let polygon = |rings: Vec<(usize, usize)>| {
        let mut rings = rings.into_iter().map(line);
        let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
        Polygon::new(exterior, rings.collect())
    };
    fn build(
        node: Node,
        c: &dyn Fn(usize) -> Coord<f64>,
        line: &dyn Fn((usize, usize)) -> LineString<f64>,
        polygon: &dyn Fn(Vec<(usize, usize)>) -> Polygon<f64>,
    ) -> Geometry<f64> {
        match node {
            Node::Point(i) => Geometry::Point(Point(c(i))),
            Node::Line(a, b) => Geometry::LineString(line((a, b))),
            Node::Polygon(r) => Geometry::Polygon(polygon(r)),
            Node::MultiPoint(ps) => {
                Geometry::MultiPoint(MultiPoint(ps.into_iter().map(|i| Point(c(i))).collect()))
            }
            Node::MultiLine(ls) => {
                Geometry::MultiLineString(MultiLineString(ls.into_iter().map(line).collect()))
            }
            Node::MultiPolygon(ps) => {
                Geometry::MultiPolygon(MultiPolygon(ps.into_iter().map(polygon).collect()))
            }
            Node::Collection(parts) => Geometry::GeometryCollection(GeometryCollection(
                parts
                    .into_iter()
                    .map(|p| build(p, c, line, polygon))
                    .collect(),
            )),
        }
    }
    Some(Ok(build(node, &c, &line, &polygon)))
}
