-- ATH009 cloudtrail-tampering: StopLogging, DeleteTrail, UpdateTrail that turns off
-- multi-region / log file validation / global service events or changes the bucket, and
-- PutEventSelectors that drops management events, narrows readWriteType, or has advanced
-- selectors without eventCategory = Management. Failed calls are LOW.
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       COALESCE(json_extract_scalar(requestparameters, '$.name'),
                json_extract_scalar(requestparameters, '$.trailName')) AS trail,
       CASE WHEN COALESCE(errorcode, '') = '' THEN 'HIGH' ELSE 'LOW' END AS severity
FROM {table}
WHERE eventsource = 'cloudtrail.amazonaws.com'
  AND (
    eventname IN ('StopLogging', 'DeleteTrail')
    OR (eventname = 'UpdateTrail' AND (
          json_format(json_extract(requestparameters, '$.isMultiRegionTrail')) = 'false'
          OR json_format(json_extract(requestparameters, '$.enableLogFileValidation')) = 'false'
          OR json_format(json_extract(requestparameters, '$.includeGlobalServiceEvents')) = 'false'
          OR json_extract_scalar(requestparameters, '$.s3BucketName') IS NOT NULL))
    OR (eventname = 'PutEventSelectors' AND (
          regexp_like(json_format(json_extract(requestparameters, '$.eventSelectors')),
                      '"includeManagementEvents":false')
          OR regexp_like(
               regexp_replace(json_format(json_extract(requestparameters, '$.eventSelectors')),
                              '"readWriteType":"All"', ''),
               '"readWriteType":"')
          OR (json_extract(requestparameters, '$.advancedEventSelectors[0]') IS NOT NULL
              AND NOT regexp_like(
                    json_format(json_extract(requestparameters, '$.advancedEventSelectors')),
                    '"field":"eventCategory","equals":\[[^\]]*"Management"'))))
  )
  {time_filter}
ORDER BY eventtime
