-- Technologies and products the technology packs do not size, with the reason (no claim, only material-level figures, no cell Wh/kg or Wh/L claim); with the sized ones (sizing.technology_packs) they are every technology and product.
-- param: subject_type = all   technology, product, or all
SELECT
    u.subject_type,
    u.subject_id,
    u.technology_id,
    u.family,
    u.reason,
    u.explanation,
    u.claims AS claims_about_it,
    (SELECT count(DISTINCT (subject_type, subject_id)) FROM sizing.technology_packs) AS subjects_sized,
    (SELECT count(*) FROM sizing.unsized_subjects) AS subjects_not_sized
FROM sizing.unsized_subjects AS u
WHERE $subject_type = 'all' OR u.subject_type = $subject_type
ORDER BY u.subject_type DESC, u.reason, u.subject_id;
