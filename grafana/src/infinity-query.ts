/**
 * The Infinity datasource's JSON query over a URL (plugin yesoreyeram-infinity-datasource, its
 * src/types/query.types.ts), as the Control dashboard uses it. The Foundation SDK ships no type
 * for this plugin; this one is self-contained so the grafana tier can make a JSON schema of it.
 */
export interface InfinityColumn {
  /** GJSON path into each row (the backend parser's column selector). */
  selector: string;
  /** The field's name in Grafana (`${__data.fields.<text>}` in actions). */
  text: string;
  type: 'string' | 'number' | 'timestamp' | 'boolean';
}

export interface InfinityQuery {
  refId: string;
  datasource: { type: 'yesoreyeram-infinity-datasource'; uid: string };
  type: 'json';
  source: 'url';
  format: 'table';
  /** The backend parser: runs on the Grafana server, where actions and alerting see the same rows. */
  parser: 'backend';
  /** Relative to the datasource's URL (the API's, from provisioning). */
  url: string;
  url_options: { method: 'GET'; data: string };
  /** GJSON path, or a JSONata expression when no such path exists. */
  root_selector: string;
  columns: InfinityColumn[];
  /** Marks it a Dataquery variant for the SDK's builders (cog.Dataquery). */
  _implementsDataqueryVariant(): void;
}
