//! Short text reports printed at the end of a run.

use std::fmt::Write;

use crate::aggregate::Totals;
use crate::pipeline::Estimated;

/// Emissions by sector and scenario for the district, the rest of the map and all of it.
pub fn estimate_table(run: &Estimated) -> String {
    let agg = &run.aggregates;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} buildings ({} in the district), preset {} {}, CRS EPSG:{}",
        run.config.name,
        agg.all.buildings,
        agg.district.buildings,
        run.preset.name,
        run.preset.version,
        run.site.crs.epsg
    );
    let _ = writeln!(out, "\nt CO2e per year");
    let mut header = format!("{:<10} {:<10}", "area", "scenario");
    for s in &run.estimates.sectors {
        let _ = write!(header, " {:>12}", s.key());
    }
    let _ = write!(header, " {:>12}", "total");
    let _ = writeln!(out, "{header}");
    let rows: [(&str, &Totals); 3] = [
        ("district", &agg.district),
        ("rest", &agg.rest),
        ("all", &agg.all),
    ];
    for (label, t) in rows {
        for (s, scenario) in run.estimates.scenarios.iter().enumerate() {
            let mut line = format!("{label:<10} {:<10}", scenario.name);
            for v in &t.co2e_t[s] {
                let _ = write!(line, " {v:>12.1}");
            }
            let _ = write!(line, " {:>12.1}", t.total(s));
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(
        out,
        "\ndistrict: {:.0} m² floor area, {:.0} residents, {:.0} jobs",
        agg.district.floor_area_m2, agg.district.residents, agg.district.jobs
    );
    out
}
