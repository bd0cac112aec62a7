/** The part of jstat (MIT, no dependencies) that core/stats.ts uses; the package ships no types. */
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** The quantile (inverse CDF) of Student's t with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
      cdf(x: number, dof: number): number;
    };
  };
  export default jStat;
}
