/** Combines property decorators into one (canonical-model imports nothing of ours, so no Nest helper). */
export function applyDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}
