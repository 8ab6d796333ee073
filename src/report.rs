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

/// One line per district building: floor area beside its heat demand, electricity and
/// emissions (baseline), so a reader can judge the intensities.
pub fn district_buildings_table(run: &Estimated) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<26} {:>6} {:>10} {:>12} {:>8} {:>12} {:>9}",
        "id", "uses", "floors", "gfa_m2", "heat_kwh_yr", "heat/m2", "elec_kwh_yr", "t_co2e"
    );
    for ((b, p), e) in run
        .site
        .buildings
        .iter()
        .zip(&run.profiles.buildings)
        .zip(&run.estimates.buildings)
    {
        if !p.in_district {
            continue;
        }
        let q = |name: &str| {
            e.results[0]
                .iter()
                .flat_map(|r| &r.quantities)
                .find(|q| q.0 == name)
                .map(|q| q.1)
                .unwrap_or(0.0)
        };
        let heat = q("heat_demand_kwh_yr");
        let per_m2 = if p.floor.gfa_m2 > 0.0 {
            heat / p.floor.gfa_m2
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "{:<14} {:<26} {:>6} {:>10.0} {:>12.0} {:>8.1} {:>12.0} {:>9.1}",
            b.id,
            p.uses.describe(),
            p.floor.floors,
            p.floor.gfa_m2,
            heat,
            per_m2,
            q("electricity_kwh_yr"),
            e.total(0)
        );
    }
    out
}
