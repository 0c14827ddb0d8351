/**
 * The CloudTrail record as DuckDB types, mirroring the columns of the table AWS documents for
 * Athena (../shared/docs/athena-cloudtrail-ddl.sql): same names (camelCase in the file, matched
 * case-insensitively), JSON text where Athena has STRING for nested objects, and Athena's structs and
 * arrays (`resources`, `addendum`) as the same structs, so `addendum.reason` and lambdas over
 * `resources` read alike on every engine.
 */
export const RECORD_COLUMNS: ReadonlyArray<readonly [jsonName: string, duckType: string, athenaName: string]> = [
  ['eventVersion', 'VARCHAR', 'eventversion'],
  [
    'userIdentity',
    `STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, invokedBy VARCHAR,
      accessKeyId VARCHAR, userName VARCHAR, onBehalfOf STRUCT(userId VARCHAR, identityStoreArn VARCHAR),
      sessionContext STRUCT(attributes STRUCT(mfaAuthenticated VARCHAR, creationDate VARCHAR),
        sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR),
        ec2RoleDelivery VARCHAR, webIdFederationData JSON))`,
    'useridentity',
  ],
  ['eventTime', 'VARCHAR', 'eventtime'],
  ['eventSource', 'VARCHAR', 'eventsource'],
  ['eventName', 'VARCHAR', 'eventname'],
  ['awsRegion', 'VARCHAR', 'awsregion'],
  ['sourceIPAddress', 'VARCHAR', 'sourceipaddress'],
  ['userAgent', 'VARCHAR', 'useragent'],
  ['errorCode', 'VARCHAR', 'errorcode'],
  ['errorMessage', 'VARCHAR', 'errormessage'],
  ['requestParameters', 'JSON', 'requestparameters'],
  ['responseElements', 'JSON', 'responseelements'],
  ['additionalEventData', 'JSON', 'additionaleventdata'],
  ['requestID', 'VARCHAR', 'requestid'],
  ['eventID', 'VARCHAR', 'eventid'],
  ['readOnly', 'VARCHAR', 'readonly'],
  // Athena's table keeps ARN, accountId and type of each entry (S3 Express's ARNPrefix is not a column there either).
  ['resources', 'STRUCT(ARN VARCHAR, accountId VARCHAR, type VARCHAR)[]', 'resources'],
  ['eventType', 'VARCHAR', 'eventtype'],
  ['apiVersion', 'VARCHAR', 'apiversion'],
  ['recipientAccountId', 'VARCHAR', 'recipientaccountid'],
  ['serviceEventDetails', 'JSON', 'serviceeventdetails'],
  ['sharedEventID', 'VARCHAR', 'sharedeventid'],
  ['vpcEndpointId', 'VARCHAR', 'vpcendpointid'],
  ['vpcEndpointAccountId', 'VARCHAR', 'vpcendpointaccountid'],
  ['eventCategory', 'VARCHAR', 'eventcategory'],
  ['addendum', 'STRUCT(reason VARCHAR, updatedFields VARCHAR, originalRequestID VARCHAR, originalEventID VARCHAR)', 'addendum'],
  ['sessionCredentialFromConsole', 'VARCHAR', 'sessioncredentialfromconsole'],
  ['edgeDeviceDetails', 'JSON', 'edgedevicedetails'],
  ['tlsDetails', 'STRUCT(tlsVersion VARCHAR, cipherSuite VARCHAR, clientProvidedHostHeader VARCHAR)', 'tlsdetails'],
];
