//! Well-Known Binary (OGC Simple Features, ISO 19125-1 §8.2) for the shapes a site holds: points
//! and (multi)polygons, 2D. Written little-endian; read in either byte order. GeoParquet stores
//! geometries this way, and Spark moves them as plain bytes.

use cpgis_core::site::Shape;
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

const POINT: u32 = 1;
const POLYGON: u32 = 3;
const MULTIPOLYGON: u32 = 6;

/// The WKB of a shape: a Point or a MultiPolygon.
pub fn of_shape(shape: &Shape) -> Vec<u8> {
    match shape {
        Shape::Point(p) => of_point(p),
        Shape::Area(mp) => of_multipolygon(mp),
    }
}

/// The WKB of a point.
pub fn of_point(p: &Point<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(21);
    header(&mut out, POINT);
    coord(&mut out, p.0);
    out
}

/// The WKB of a multipolygon.
pub fn of_multipolygon(mp: &MultiPolygon<f64>) -> Vec<u8> {
    let mut out = Vec::new();
    header(&mut out, MULTIPOLYGON);
    out.extend((mp.0.len() as u32).to_le_bytes());
    for p in &mp.0 {
        header(&mut out, POLYGON);
        let rings: Vec<&LineString<f64>> =
            std::iter::once(p.exterior()).chain(p.interiors()).collect();
        out.extend((rings.len() as u32).to_le_bytes());
        for r in rings {
            out.extend((r.0.len() as u32).to_le_bytes());
            for c in &r.0 {
                coord(&mut out, *c);
            }
        }
    }
    out
}

fn header(out: &mut Vec<u8>, kind: u32) {
    out.push(1);
    out.extend(kind.to_le_bytes());
}

fn coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.extend(c.x.to_le_bytes());
    out.extend(c.y.to_le_bytes());
}

/// A shape from WKB: a Point, a Polygon (as a one-part MultiPolygon) or a MultiPolygon.
pub fn to_shape(bytes: &[u8]) -> Result<Shape, String> {
    let mut r = Reader {
        bytes,
        at: 0,
        little: true,
    };
    let kind = r.header()?;
    let shape = match kind {
        POINT => Shape::Point(Point(r.coord()?)),
        POLYGON => Shape::Area(MultiPolygon(vec![r.polygon()?])),
        MULTIPOLYGON => {
            let n = r.count()?;
            let mut parts = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                match r.header()? {
                    POLYGON => parts.push(r.polygon()?),
                    k => return Err(format!("a multipolygon holds a geometry of WKB type {k}")),
                }
            }
            Shape::Area(MultiPolygon(parts))
        }
        k => return Err(format!("WKB type {k} is not a point or a (multi)polygon")),
    };
    if r.at != bytes.len() {
        return Err(format!("{} bytes after the geometry", bytes.len() - r.at));
    }
    Ok(shape)
}

/// The multipolygon of a WKB polygon or multipolygon.
pub fn to_multipolygon(bytes: &[u8]) -> Result<MultiPolygon<f64>, String> {
    match to_shape(bytes)? {
        Shape::Area(mp) => Ok(mp),
        Shape::Point(_) => Err("a point where an area was expected".into()),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.at + N;
        let b = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| format!("the WKB ends at byte {} of {}", self.bytes.len(), end))?;
        self.at = end;
        let mut out = [0; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if self.little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn header(&mut self) -> Result<u32, String> {
        self.little = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("byte order {b} is neither 0 nor 1")),
        };
        self.u32()
    }

    /// A count, checked against the bytes left (each item takes at least 4 bytes).
    fn count(&mut self) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n > (self.bytes.len() - self.at) / 4 + 1 {
            return Err(format!("a count of {n} in {} bytes", self.bytes.len()));
        }
        Ok(n)
    }

    fn coord(&mut self) -> Result<Coord<f64>, String> {
        Ok(Coord {
            x: self.f64()?,
            y: self.f64()?,
        })
    }

    fn polygon(&mut self) -> Result<Polygon<f64>, String> {
        let rings = self.count()?;
        let mut all = Vec::with_capacity(rings);
        for _ in 0..rings {
            let n = self.count()?;
            let mut ring = Vec::with_capacity(n);
            for _ in 0..n {
                ring.push(self.coord()?);
            }
            all.push(LineString(ring));
        }
        let mut all = all.into_iter();
        let exterior = all.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(exterior, all.collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_is_21_bytes_as_the_standard_lays_them_out() {
        // Byte order 1, type 1, then x and y as little-endian doubles (ISO 19125-1 §8.2.4).
        let b = of_point(&Point::new(1.0, 2.0));
        assert_eq!(b.len(), 21);
        assert_eq!(&b[..5], &[1, 1, 0, 0, 0]);
        assert_eq!(&b[5..13], &1.0f64.to_le_bytes());
        assert_eq!(to_shape(&b).unwrap(), Shape::Point(Point::new(1.0, 2.0)));
    }

    #[test]
    fn a_multipolygon_with_a_hole_comes_back_bit_for_bit() {
        let outer = LineString::from(vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 0.1),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![(2.0, 2.0), (3.0, 2.0), (3.0, 3.0), (2.0, 2.0)]);
        let mp = MultiPolygon(vec![
            Polygon::new(outer, vec![hole]),
            Polygon::new(
                LineString::from(vec![
                    (20.0, 0.0),
                    (21.0, 0.0),
                    (21.0, 1.0 / 3.0),
                    (20.0, 0.0),
                ]),
                vec![],
            ),
        ]);
        let b = of_multipolygon(&mp);
        // 1 + 4 + 4, then per polygon 1 + 4 + 4 and per ring 4 + 16 per vertex.
        assert_eq!(b.len(), 9 + (9 + 4 + 80 + 4 + 64) + (9 + 4 + 64));
        assert_eq!(to_multipolygon(&b).unwrap(), mp);
    }

    #[test]
    fn a_big_endian_polygon_reads_as_a_multipolygon() {
        let mut b = vec![0u8];
        b.extend(3u32.to_be_bytes());
        b.extend(1u32.to_be_bytes());
        b.extend(4u32.to_be_bytes());
        for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
            b.extend(x.to_be_bytes());
            b.extend(y.to_be_bytes());
        }
        let mp = to_multipolygon(&b).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].exterior().0[1], Coord { x: 1.0, y: 0.0 });
    }

    #[test]
    fn broken_wkb_is_an_error_not_a_panic() {
        let b = of_multipolygon(&MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]),
            vec![],
        )]));
        for cut in 0..b.len() {
            assert!(to_shape(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = b.clone();
        huge[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(to_shape(&huge).is_err());
        assert!(to_shape(&[2, 1, 0, 0, 0]).is_err());
    }
}
