#!/usr/bin/env python3
# Usage: scripts/trim-osm-fixture.py SRC.osm DST.osm (wrote fixtures/kamppi/kamppi_2024_buildings_part.osm
# from ../shared/data/helsinki/kamppi_2024/kamppi_buildings_2024-08-21.osm).
# Trims Kamppi's 2024 Overpass extract to the building ways whose first node lies in a small
# box of the district, with every node they reference (relations dropped).
import sys, xml.etree.ElementTree as ET
src, dst = sys.argv[1], sys.argv[2]
W, S, E, N = 24.9290, 60.1660, 24.9340, 60.1690
root = ET.parse(src).getroot()
nodes = {n.get('id'): n for n in root.findall('node')}
keep_ways, keep_nodes = [], set()
for w in root.findall('way'):
    tags = {t.get('k'): t.get('v') for t in w.findall('tag')}
    refs = [nd.get('ref') for nd in w.findall('nd')]
    if 'building' not in tags or not refs or refs[0] not in nodes:
        continue
    n0 = nodes[refs[0]]
    lon, lat = float(n0.get('lon')), float(n0.get('lat'))
    if W <= lon <= E and S <= lat <= N and all(r in nodes for r in refs):
        keep_ways.append(w); keep_nodes.update(refs)
out = ET.Element('osm', root.attrib)
for nid, n in nodes.items():
    if nid in keep_nodes or (n.find('tag') is not None and W <= float(n.get('lon')) <= E and S <= float(n.get('lat')) <= N):
        out.append(n)
for w in keep_ways:
    out.append(w)
ET.ElementTree(out).write(dst, encoding='UTF-8', xml_declaration=True)
print(len(keep_ways), 'ways', len(out) - len(keep_ways), 'nodes')
