/**
 * The DCAT-AP.de 2.0 description of what the gateway publishes (Turtle), for GovData/CKAN harvesters.
 * Mandatory per DCAT-AP.de: catalogue (title, description, publisher, dataset), dataset (title,
 * description, publisher, dcatde:contributorID), distribution (accessURL, dcatde:licenseAttributionByText
 * where the licence asks, dct:license from the GovData licence vocabulary).
 */
export interface DcatSettings {
  baseUrl: string;
  publisherName: string;
  publisherUrl: string;
  /** Earliest quarter hour the rollups hold (temporal coverage start). */
  coverageStart: Date;
  mqttUrl: string;
}

const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function dcatTurtle(s: DcatSettings): string {
  const base = s.baseUrl.replace(/\/$/, '');
  const cat = `${base}/catalog`;
  const ds = `${cat}#grid-load`;
  const license = 'http://dcat-ap.de/def/licenses/dl-by-de/2.0';
  const leipzig = 'http://dcat-ap.de/def/politicalGeocoding/districtKey/14713';
  return `@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcatde: <http://dcat-ap.de/def/dcatde/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> .

<${cat}> a dcat:Catalog ;
  dct:title "Gridwerk urban data platform: distribution grid"@en , "Gridwerk Urbane Datenplattform: Verteilnetz"@de ;
  dct:description "Open aggregates of Leipzig's electricity distribution grid as an OGC SensorThings API with live MQTT updates."@en ;
  dct:publisher <${s.publisherUrl}> ;
  dct:language <http://publications.europa.eu/resource/authority/language/DEU> ;
  foaf:homepage <${base}/v1.1> ;
  dcat:dataset <${ds}> .

<${s.publisherUrl}> a foaf:Agent ;
  foaf:name "${esc(s.publisherName)}" .

<${ds}> a dcat:Dataset ;
  dct:identifier "${esc(ds)}" ;
  dct:title "Load of the distribution grid per substation, feeder and secondary substation"@en , "Last im Verteilnetz je Umspannwerk, Abgang und Ortsnetzstation"@de ;
  dct:description "Quarter-hourly imported and exported energy, mean active power and transformer loading of grid nodes behind at least k metering points. No metering point, household or member is published."@en ;
  dct:publisher <${s.publisherUrl}> ;
  dcatde:contributorID <http://dcat-ap.de/def/contributors/transparenzportalLeipzig> ;
  dcatde:politicalGeocodingLevelURI <http://dcat-ap.de/def/politicalGeocodingLevel/municipality> ;
  dcatde:politicalGeocodingURI <${leipzig}> ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENER> ;
  dcat:keyword "Energie" , "Stromnetz" , "SensorThings" , "Leipzig" ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT> ;
  dct:spatial [ a dct:Location ; locn:geometry "POLYGON((12.236 51.238, 12.542 51.238, 12.542 51.449, 12.236 51.449, 12.236 51.238))"^^gsp:wktLiteral ] ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "${s.coverageStart.toISOString()}"^^xsd:dateTime ] ;
  dcat:temporalResolution "PT15M"^^xsd:duration ;
  dcat:distribution <${ds}-sta-1.1> , <${ds}-sta-1.0> , <${ds}-mqtt> .

${['1.1', '1.0']
  .map(
    (v) => `<${ds}-sta-${v}> a dcat:Distribution ;
  dct:title "OGC SensorThings API ${v}"@en ;
  dcat:accessURL <${base}/v${v}> ;
  dct:conformsTo <http://www.opengis.net/doc/is/sensorthings/${v}> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/JSON> ;
  dct:license <${license}> ;
  dcatde:licenseAttributionByText "${esc(s.publisherName)}" .

`,
  )
  .join('')}<${ds}-mqtt> a dcat:Distribution ;
  dct:title "Live observations over MQTT (SensorThings topic scheme v1.1/Datastreams(<id>)/Observations)"@en ;
  dcat:accessURL <${s.mqttUrl}> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/JSON> ;
  dct:license <${license}> ;
  dcatde:licenseAttributionByText "${esc(s.publisherName)}" .
`;
}

/** SHACL shapes of the DCAT-AP.de mandatory properties this catalogue must carry. */
export const DCAT_AP_DE_SHAPES = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcatde: <http://dcat-ap.de/def/dcatde/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix s: <urn:gridwerk:shapes#> .

s:Catalog a sh:NodeShape ; sh:targetClass dcat:Catalog ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:publisher ; sh:minCount 1 ; sh:maxCount 1 ; sh:class foaf:Agent ] ;
  sh:property [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ] .
s:Agent a sh:NodeShape ; sh:targetClass foaf:Agent ;
  sh:property [ sh:path foaf:name ; sh:minCount 1 ] .
s:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:publisher ; sh:minCount 1 ] ;
  sh:property [ sh:path dcatde:contributorID ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dct:accrualPeriodicity ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dct:spatial ; sh:minCount 1 ] ;
  sh:property [ sh:path dct:temporal ; sh:minCount 1 ] ;
  sh:property [ sh:path dcat:distribution ; sh:minCount 1 ; sh:class dcat:Distribution ] .
s:Distribution a sh:NodeShape ; sh:targetClass dcat:Distribution ;
  sh:property [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dct:license ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] .
`;
