"""An organization-wide CloudTrail Lake event data store in place of a trail and bucket: SQL over every event.

Deploy it with the credentials of a CloudTrail delegated administrator (see ../delegated-admin) or of the
organization's management account.

For existing CloudTrail Lake customers only: "AWS CloudTrail Lake will no longer be open to new customers starting
May 31, 2026" (CloudTrail user guide, cloudtrail-lake-service-availability-change). A new organization uses the
root project's organization trail instead.
"""

import pulumi

from trailguard.config import read_stack_config
from trailguard.event_data_store import EventDataStore, load_lake_stack_config

config = load_lake_stack_config(read_stack_config())
store = EventDataStore("lake", config.lake.args(tags=config.tags))

# Address the store by ARN: from a delegated administrator, an organization store lives in the management account.
pulumi.export("eventDataStoreArn", store.event_data_store_arn)
# What Lake SQL selects FROM.
pulumi.export("eventDataStoreId", store.event_data_store_id)
pulumi.export("kmsKeyArn", store.kms_key_arn)
