// Tags on every resource of a stack: the user's tags, then the ownership tags (which win).
import { GroupKey, OwnershipTag } from '../model/ids.js';
import type { Tags } from '../model/resources.js';

/** @param group the group's key (`GroupKey`): its name and, for an explicit group, its class become tags */
export function ownedTags(userTags: Tags, clusterName: string, group: string, id: string): Tags {
  const { group: name, ingressClass } = GroupKey.tags(group);
  return {
    ...userTags,
    [OwnershipTag.cluster]: clusterName,
    [OwnershipTag.group]: name,
    ...(ingressClass === undefined ? {} : { [OwnershipTag.ingressClass]: ingressClass }),
    [OwnershipTag.resource]: id,
  };
}
