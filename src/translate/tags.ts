// Tags on every resource of a stack: the user's tags, then the ownership tags (which win).
import { OwnershipTag } from '../model/ids.js';
import type { Tags } from '../model/resources.js';

export function ownedTags(userTags: Tags, clusterName: string, group: string, id: string): Tags {
  return {
    ...userTags,
    [OwnershipTag.cluster]: clusterName,
    [OwnershipTag.group]: group,
    [OwnershipTag.resource]: id,
  };
}
