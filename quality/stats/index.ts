/**
 * Public interface of the fleet-quality statistics (issue 7, "Fleet quality analytics"): pure
 * functions, no I/O. Weibull fits on right-censored life data, failure rates and MTBF with
 * exact intervals, survival tables, recall-candidate flags across batches or suppliers, and
 * the 三包 exposure forecast. README.md beside this file has the formulas and references.
 */
export { lifeDataFromGroups, lifeDataFromTimes, LifeDataError } from './life-data.ts';
export type { LifeData, LifeGroup } from './life-data.ts';
export {
  fitWeibull,
  weibullCumulativeHazard,
  weibullLogLikelihood,
  weibullQuantile,
  weibullQuantileWithCi,
  weibullSurvival,
} from './weibull.ts';
export type {
  Interval,
  WeibullCovariance,
  WeibullFit,
  WeibullFitOptions,
  WeibullFitResult,
  WeibullNoFitReason,
  WeibullParams,
} from './weibull.ts';
export { compareWeibull, mergeLifeData, subtractLifeData } from './compare.ts';
export type { CompareOptions, LikelihoodRatioTest, WeibullComparison } from './compare.ts';
export { fitWeibayes } from './weibayes.ts';
export type { WeibayesFit } from './weibayes.ts';
export { failureRate, poissonMeanInterval, survivalTable } from './rates.ts';
export type { FailureRate, SurvivalStep } from './rates.ts';
export { adjustPValues, clopperPearson, flagOutlierGroups } from './outliers.ts';
export type {
  Alternative,
  Correction,
  GroupAssessment,
  GroupCount,
  OutlierOptions,
  OutlierReport,
} from './outliers.ts';
export { forecastWarrantyFailures, weibullExposure } from './exposure.ts';
export type { ExposureForecast, ExposureOptions, HorizonForecast, UnitWindow } from './exposure.ts';
export {
  ConfidenceSchema,
  ExposureInputSchema,
  FailureRateInputSchema,
  GroupCountSchema,
  LifeDataInputSchema,
  LifeGroupSchema,
  lifeDataFromInput,
  OutlierInputSchema,
  UnitWindowSchema,
  WeibayesInputSchema,
  WeibullCovarianceSchema,
  WeibullFitInputSchema,
  WeibullParamsSchema,
} from './schemas.ts';
export type { LifeDataInput } from './schemas.ts';
