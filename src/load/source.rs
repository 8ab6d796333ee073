//! Opening every layer a site file names, before any work: a missing layer, a bad filter, an
//! unknown CRS or a mapped field the layer lacks is reported together with all the others.

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Layer, LayerAccess};
use gdal::Dataset;

use crate::config::{ConfigIssues, LayerSource};
use crate::layer::{self, FieldAccess, RawFeature};
use crate::{crs, Error, Result};

/// A layer opened and checked against the site file's mapping.
pub struct OpenSource {
    pub source: LayerSource,
    ds: Dataset,
    pub layer_name: String,
    pub srs: SpatialRef,
    /// The fields asked for, resolved, in the order asked.
    pub fields: Vec<FieldAccess>,
}

impl OpenSource {
    /// Opens the layer and resolves `field_names`; problems go to `issues` and give `None`.
    pub fn open(
        source: &LayerSource,
        field_names: &[&str],
        issues: &mut ConfigIssues,
    ) -> Option<OpenSource> {
        let role = &source.role;
        let ds = match layer::open_dataset(&source.path, &source.geometry) {
            Ok(ds) => ds,
            Err(e) => {
                issues.push(&format!("{role}.path"), &e.to_string(), None);
                return None;
            }
        };
        let (layer_name, srs, fields) = {
            let mut layer = match layer::pick_layer(&ds, &source.path, source.layer.as_deref()) {
                Ok(l) => l,
                Err(e) => {
                    issues.push(&format!("{role}.layer"), &e.to_string(), None);
                    return None;
                }
            };
            let name = layer.name();
            let srs = match layer::layer_srs(&layer, &source.path, source.crs.as_deref()) {
                Ok(s) => Some(s),
                Err(e) => {
                    issues.push(&format!("{role}.crs"), &e.to_string(), None);
                    None
                }
            };
            if let Some(filter) = &source.filter {
                if layer.set_attribute_filter(filter).is_err() {
                    issues.push(
                        &format!("{role}.where"),
                        &format!("`{filter}` is not a valid OGR SQL filter for layer '{name}'"),
                        Some("e.g. where = \"admin_level = '8' AND name = 'Vaduz'\""),
                    );
                }
                layer.clear_attribute_filter();
            }
            let join = match &source.join {
                None => None,
                Some(j) => match layer::JoinTable::read(&j.path, &j.on) {
                    Ok(t) => {
                        if !layer.defn().fields().any(|f| f.name() == j.on) {
                            issues.push(
                                &format!("{role}.join.on"),
                                &format!("layer '{name}' has no field '{}' to join on", j.on),
                                None,
                            );
                        }
                        Some((j.on.as_str(), std::sync::Arc::new(t)))
                    }
                    Err(e) => {
                        issues.push(
                            &format!("{role}.join"),
                            &format!("{}: {e}", j.path.display()),
                            None,
                        );
                        None
                    }
                },
            };
            let fields = match layer::resolve_fields(&layer, field_names, join) {
                Ok(f) => Some(f),
                // A layer without fields or features is simply empty: say that, not which
                // fields it lacks.
                Err(_) if layer.defn().fields().count() == 0 && layer.feature_count() == 0 => {
                    issues.push(
                        role,
                        &format!(
                            "{}, layer '{name}': the layer has no features",
                            source.path.display()
                        ),
                        Some(&format!(
                            "give a layer with data, or remove [{role}] from the site file"
                        )),
                    );
                    None
                }
                Err(missing) => {
                    for (field, hint) in missing {
                        issues.push(
                            role,
                            &format!(
                                "field '{field}' is not in {}, layer '{name}'",
                                source.path.display()
                            ),
                            Some(&hint),
                        );
                    }
                    None
                }
            };
            (name, srs, fields)
        };
        Some(OpenSource {
            source: source.clone(),
            ds,
            layer_name,
            srs: srs?,
            fields: fields?,
        })
    }

    fn layer(&self) -> Result<Layer<'_>> {
        let mut layer = self.ds.layer_by_name(&self.layer_name).map_err(|e| {
            Error::Tool(format!(
                "{}: layer vanished: {e}",
                self.source.path.display()
            ))
        })?;
        match &self.source.filter {
            Some(f) => layer
                .set_attribute_filter(f)
                .map_err(|e| Error::Tool(e.to_string()))?,
            None => layer.clear_attribute_filter(),
        }
        Ok(layer)
    }

    /// Reads all features (after the filter) into `target`.
    pub fn read(&self, target: &SpatialRef) -> Result<Vec<RawFeature>> {
        let transform = crs::transform(&self.srs, target)?;
        let mut layer = self.layer()?;
        Ok(layer::read_features(
            &mut layer,
            &self.fields,
            Some(&transform),
        ))
    }

    /// A label for the CRS the layer is read from.
    pub fn crs_label(&self) -> String {
        let label = crs::describe(&self.srs);
        if self.source.crs.is_some() {
            format!("{label} (given in the site file)")
        } else {
            label
        }
    }
}
