export * from './define';
export * from './discovery';
export * from './ingress';
