/** What CSAT and NPS are computed from: counts of answers, never the answers' authors. */
export interface ScoreCounts {
  /** Answers on the 1–5 scale, and those of them 4 or 5. */
  scaleAnswers: number;
  satisfied: number;
  /** Answers on the 0–10 scale, those 9–10 and those 0–6. */
  npsAnswers: number;
  promoters: number;
  detractors: number;
}

export function countScores(scores: { scale: Record<string, number>; nps: Record<string, number> }): ScoreCounts {
  const scale = Object.values(scores.scale);
  const nps = Object.values(scores.nps);
  return {
    scaleAnswers: scale.length,
    satisfied: scale.filter((value) => value >= 4).length,
    npsAnswers: nps.length,
    promoters: nps.filter((value) => value >= 9).length,
    detractors: nps.filter((value) => value <= 6).length,
  };
}

/** CSAT: the share (percent) of 1–5 answers that are 4 or 5; NPS: percent promoters minus percent detractors. Null without answers. */
export function csatAndNps(counts: ScoreCounts): { csat: number | null; nps: number | null } {
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    csat: counts.scaleAnswers === 0 ? null : round((100 * counts.satisfied) / counts.scaleAnswers),
    nps: counts.npsAnswers === 0 ? null : round((100 * (counts.promoters - counts.detractors)) / counts.npsAnswers),
  };
}
