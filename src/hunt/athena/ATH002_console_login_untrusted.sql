-- ATH002 console-login-untrusted: successful console sign-ins from a region outside the
-- trusted regions or a source address outside the trusted CIDRs (each check only when that
-- list is configured; non-address sources are not checked). HIGH when both checks fail or
-- the user is root, MEDIUM otherwise. With neither list configured this returns nothing.
SELECT eventid, eventtime, awsregion, sourceipaddress, useridentity.type AS user_type,
       COALESCE(useridentity.arn, useridentity.username) AS principal,
       CASE WHEN (COALESCE({region_untrusted}, FALSE) AND COALESCE({ip_untrusted}, FALSE))
                 OR useridentity.type = 'Root' THEN 'HIGH' ELSE 'MEDIUM' END AS severity
FROM {table}
WHERE eventname = 'ConsoleLogin'
  AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
  AND COALESCE(errorcode, '') = ''
  AND (COALESCE({region_untrusted}, FALSE) OR COALESCE({ip_untrusted}, FALSE))
  {time_filter}
ORDER BY eventtime
