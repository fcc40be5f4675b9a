/**
 * @generated SignedSource<<24d8ca222f1aa7669652610a09b0e961>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type ProjectStatus = "ACTIVE" | "ARCHIVED" | "%future added value";
export type ProjectsPageArchiveMutation$variables = {
  id: string;
};
export type ProjectsPageArchiveMutation$data = {
  readonly archiveProject: {
    readonly project: {
      readonly id: string;
      readonly status: ProjectStatus;
    };
  } | null | undefined;
};
export type ProjectsPageArchiveMutation = {
  response: ProjectsPageArchiveMutation$data;
  variables: ProjectsPageArchiveMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "id"
  }
],
v1 = [
  {
    "alias": null,
    "args": [
      {
        "kind": "Variable",
        "name": "id",
        "variableName": "id"
      }
    ],
    "concreteType": "ArchiveProjectPayload",
    "kind": "LinkedField",
    "name": "archiveProject",
    "plural": false,
    "selections": [
      {
        "alias": null,
        "args": null,
        "concreteType": "Project",
        "kind": "LinkedField",
        "name": "project",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "id",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "status",
            "storageKey": null
          }
        ],
        "storageKey": null
      }
    ],
    "storageKey": null
  }
];
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "ProjectsPageArchiveMutation",
    "selections": (v1/*:: as any*/),
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "ProjectsPageArchiveMutation",
    "selections": (v1/*:: as any*/)
  },
  "params": {
    "cacheID": "ddda17fb8d48b62a1365340b41007634",
    "id": null,
    "metadata": {},
    "name": "ProjectsPageArchiveMutation",
    "operationKind": "mutation",
    "text": "mutation ProjectsPageArchiveMutation(\n  $id: ID!\n) {\n  archiveProject(id: $id) {\n    project {\n      id\n      status\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "f8f29d44bd0e49aaa56c5a902bb88074";

export default node;
