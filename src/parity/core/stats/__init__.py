"""Pure statistics over small count tables for the funnel and career flows.

No database and no I/O: numpy/scipy functions that broadcast over arrays of
comparisons (e.g. 193 nationalities × 6 stages) and return numpy arrays,
NamedTuples or frozen dataclasses. Methods and test vectors: METHODS.md §1.

Modules:

* :mod:`~parity.core.stats.proportions`: single rates (Wilson, Clopper–Pearson),
  the selection-rate ratio (AIR) with Koopman/Katz intervals, Fisher, χ², z,
  the score test of H0: AIR ≥ 0.8.
* :mod:`~parity.core.stats.hypergeom`: Fisher's exact test for many tables at once,
  of any size (behind :func:`fisher_exact_p`).
* :mod:`~parity.core.stats.shortfall`: shortfalls in persons.
* :mod:`~parity.core.stats.multiple`: Benjamini–Hochberg and Holm adjustment.
* :mod:`~parity.core.stats.stratified`: Mantel–Haenszel odds and risk ratios,
  CMH and Breslow–Day tests, crude-versus-stratified (Simpson) explanation.
* :mod:`~parity.core.stats.decomposition`: stage decomposition of the funnel.
* :mod:`~parity.core.stats.trend`: Cochran–Armitage trend test across years.
* :mod:`~parity.core.stats.rates`: Poisson rates, exact rate ratios, MH rate ratio.
* :mod:`~parity.core.stats.survival`: Kaplan–Meier and the log-rank test.
* :mod:`~parity.core.stats.power`: power and minimum detectable AIR.
* :mod:`~parity.core.stats.verdict`: the verdict vocabulary and rule.
"""

from parity.core.stats._common import Interval, TestResult
from parity.core.stats.decomposition import (
    GAP_READINGS,
    MIN_SELECTIONS,
    FunnelDecomposition,
    GapReading,
    decompose_funnel,
    describe_funnel,
    gap_stage,
    overall_interval,
    read_gaps,
)
from parity.core.stats.multiple import bh_adjust, holm_adjust
from parity.core.stats.power import minimum_detectable_air, power_for_air, sample_size_for_air
from parity.core.stats.proportions import (
    air_score_test,
    chi_square_test,
    clopper_pearson_interval,
    fisher_exact_p,
    hypergeometric_sd,
    katz_interval,
    koopman_interval,
    newcombe_difference_interval,
    selection_rate_ratio,
    two_proportion_z_test,
    wilson_interval,
)
from parity.core.stats.rates import (
    PooledRateRatio,
    RateRatio,
    mh_rate_ratio,
    poisson_rate_interval,
    rate_ratio_exact,
)
from parity.core.stats.shortfall import (
    round_half_away,
    shortfall_to_four_fifths,
    shortfall_vs_pooled,
    shortfall_vs_reference,
)
from parity.core.stats.stratified import (
    HomogeneityTest,
    PooledRatio,
    StratifiedComparison,
    StratifiedSummary,
    breslow_day_test,
    cmh_test,
    compare_crude_and_stratified,
    explain_crude_and_stratified,
    mh_odds_ratio,
    mh_risk_ratio,
    summarise_strata,
    tables_from_counts,
)
from parity.core.stats.survival import KaplanMeier, LogRankTest, kaplan_meier, logrank_test
from parity.core.stats.trend import TrendTest, cochran_armitage_test
from parity.core.stats.verdict import (
    ADVERSE_IMPACT,
    INSUFFICIENT_DATA,
    NO_EVIDENCE,
    VERDICTS,
    WATCH,
    classify_verdict,
    verdict_from_power,
)

__all__ = [
    "ADVERSE_IMPACT",
    "GAP_READINGS",
    "INSUFFICIENT_DATA",
    "MIN_SELECTIONS",
    "NO_EVIDENCE",
    "VERDICTS",
    "WATCH",
    "FunnelDecomposition",
    "GapReading",
    "HomogeneityTest",
    "Interval",
    "KaplanMeier",
    "LogRankTest",
    "PooledRateRatio",
    "PooledRatio",
    "RateRatio",
    "StratifiedComparison",
    "StratifiedSummary",
    "TestResult",
    "TrendTest",
    "air_score_test",
    "bh_adjust",
    "breslow_day_test",
    "chi_square_test",
    "classify_verdict",
    "clopper_pearson_interval",
    "cmh_test",
    "cochran_armitage_test",
    "compare_crude_and_stratified",
    "decompose_funnel",
    "describe_funnel",
    "explain_crude_and_stratified",
    "fisher_exact_p",
    "gap_stage",
    "holm_adjust",
    "hypergeometric_sd",
    "kaplan_meier",
    "katz_interval",
    "koopman_interval",
    "logrank_test",
    "mh_odds_ratio",
    "mh_rate_ratio",
    "mh_risk_ratio",
    "minimum_detectable_air",
    "newcombe_difference_interval",
    "overall_interval",
    "poisson_rate_interval",
    "power_for_air",
    "rate_ratio_exact",
    "read_gaps",
    "round_half_away",
    "sample_size_for_air",
    "selection_rate_ratio",
    "shortfall_to_four_fifths",
    "shortfall_vs_pooled",
    "shortfall_vs_reference",
    "summarise_strata",
    "tables_from_counts",
    "two_proportion_z_test",
    "verdict_from_power",
    "wilson_interval",
]
